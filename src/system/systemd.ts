import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { whichOnPath } from "./which.js";

export const GATEWAY_UNIT = "openclaw-gateway.service";

/** The user unit search path, highest priority first (systemd.unit(5), user mode). */
export function userUnitDirs(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? homedir();
  const config = env.XDG_CONFIG_HOME || join(home, ".config");
  const data = env.XDG_DATA_HOME || join(home, ".local", "share");
  const dirs = [
    join(config, "systemd", "user.control"),
    ...(env.XDG_RUNTIME_DIR
      ? [join(env.XDG_RUNTIME_DIR, "systemd", "user.control"), join(env.XDG_RUNTIME_DIR, "systemd", "transient")]
      : []),
    join(config, "systemd", "user"),
    "/etc/systemd/user",
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, "systemd", "user")] : []),
    "/run/systemd/user",
    join(data, "systemd", "user"),
    "/usr/local/lib/systemd/user",
    "/usr/local/share/systemd/user",
    "/usr/lib/systemd/user",
    "/lib/systemd/user",
    "/usr/share/systemd/user",
  ];
  return [...new Set(dirs)];
}

export interface UnitFile {
  path: string;
  text: string;
}

export interface UnitLookup {
  /** How the unit was read. */
  source: "systemctl" | "files" | "none";
  /** The unit file and its drop-ins, in the order systemd applies them. */
  files: UnitFile[];
  /** Directories searched (files source). */
  searched: string[];
  /** systemd is on this machine (systemctl found or /run/systemd/system present). */
  systemdPresent: boolean;
  /** Why `systemctl --user cat` was not used, if it was tried. */
  systemctlError?: string;
}

/**
 * Finds the unit and its drop-ins. With `unitDirs` (tests, or an operator pointing at a
 * config dir), only those directories are read. Otherwise `systemctl --user cat` is asked
 * first (it knows generators and linked units), and the standard directories are read when
 * it cannot answer (no user bus, no systemd).
 */
export function findUnit(name: string, env: NodeJS.ProcessEnv, unitDirs?: string[]): UnitLookup {
  const systemctl = whichOnPath("systemctl", env);
  const systemdPresent = Boolean(systemctl) || existsSync("/run/systemd/system") || Boolean(unitDirs?.length);
  let systemctlError: string | undefined;
  if (!unitDirs?.length && systemctl) {
    const r = spawnSync(systemctl, ["--user", "cat", "--no-pager", name], { encoding: "utf8", timeout: 5000, env });
    if (r.status === 0 && r.stdout.trim()) {
      return { source: "systemctl", files: splitSystemctlCat(r.stdout), searched: [], systemdPresent };
    }
    systemctlError = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n")[0];
  }
  const searched = unitDirs?.length ? unitDirs : userUnitDirs(env);
  const files = readUnitFiles(name, searched);
  return { source: files.length ? "files" : "none", files, searched, systemdPresent, ...(systemctlError ? { systemctlError } : {}) };
}

/** `systemctl cat` prints each file as `# /path` followed by its text. */
export function splitSystemctlCat(text: string): UnitFile[] {
  const files: UnitFile[] = [];
  for (const line of text.split("\n")) {
    const header = /^# (\/.+)$/.exec(line);
    if (header && (header[1]!.endsWith(".service") || header[1]!.endsWith(".conf"))) files.push({ path: header[1]!, text: "" });
    else if (files.length) files.at(-1)!.text += `${line}\n`;
  }
  return files;
}

/** The unit file from the highest-priority directory, then drop-ins sorted by name (a name in a higher-priority directory masks the same name lower down). */
export function readUnitFiles(name: string, dirs: string[]): UnitFile[] {
  let main: UnitFile | null = null;
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path)) {
      main = { path, text: readFileSync(path, "utf8") };
      break;
    }
  }
  if (!main) return [];
  const dropins = new Map<string, string>();
  for (const dir of dirs) {
    const d = join(dir, `${name}.d`);
    let names: string[] = [];
    try {
      names = readdirSync(d).filter((n) => n.endsWith(".conf"));
    } catch {
      continue;
    }
    for (const n of names) if (!dropins.has(n)) dropins.set(n, join(d, n));
  }
  const ordered = [...dropins.keys()].sort().map((n) => ({ path: dropins.get(n)!, text: readFileSync(dropins.get(n)!, "utf8") }));
  return [main, ...ordered];
}

/** Logical lines of a unit file's [Service] section as key/value pairs (continuations joined). */
function serviceAssignments(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let section = "";
  let pending = "";
  for (const raw of text.split("\n")) {
    let line = pending + raw;
    if (line.endsWith("\\")) {
      pending = `${line.slice(0, -1)} `;
      continue;
    }
    pending = "";
    line = line.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    if (section !== "Service") continue;
    const eq = line.indexOf("=");
    if (eq > 0) out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** The ExecStart that wins: the last one after the last empty `ExecStart=` reset. */
export function effectiveExecStart(files: UnitFile[]): { value: string; file: string } | null {
  let current: { value: string; file: string } | null = null;
  for (const file of files) {
    for (const [key, value] of serviceAssignments(file.text)) {
      if (key !== "ExecStart") continue;
      current = value === "" ? null : { value, file: file.path };
    }
  }
  return current;
}

/** The environment the unit gives its process: every `Environment=` assignment, in order (an empty one resets). */
export function unitEnvironment(files: UnitFile[], env: NodeJS.ProcessEnv): Record<string, string> {
  let out: Record<string, string> = {};
  for (const file of files) {
    for (const [key, value] of serviceAssignments(file.text)) {
      if (key !== "Environment") continue;
      if (value === "") {
        out = {};
        continue;
      }
      for (const word of splitCommand(value)) {
        const eq = word.indexOf("=");
        if (eq > 0) out[word.slice(0, eq)] = expandSpecifiers(word.slice(eq + 1), env);
      }
    }
  }
  return out;
}

/** Expands the specifiers an ExecStart path commonly uses (%h, %u, %%). */
export function expandSpecifiers(text: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME ?? homedir();
  return text.replace(/%([%hUuSt])/g, (_m, c: string) => {
    if (c === "%") return "%";
    if (c === "h") return home;
    if (c === "u") return env.USER ?? "";
    if (c === "t") return env.XDG_RUNTIME_DIR ?? "";
    return `%${c}`;
  });
}

/** Splits a command line the way systemd does for the cases that matter (quotes, backslashes). */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | null = null;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || word) words.push(word);
      word = "";
      has = false;
    } else {
      word += c;
      has = true;
    }
  }
  if (has || word) words.push(word);
  // ExecStart prefixes: @ - : + ! !!
  if (words[0]) words[0] = words[0].replace(/^[@\-:+!]+/, "");
  return words;
}

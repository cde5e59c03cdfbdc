/**
 * The built clawmend CLI as the sweep runs it: a private snapshot of `bin/` and `dist/` (a
 * rebuild in this checkout cannot swap it mid-sweep), spawned in an empty directory (no
 * `patches.config.ts`: the built-in patches) without an ambient NODE_OPTIONS.
 */
import { cpSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../test/support/paths.js";
import { run, type RunResult } from "../test/support/run.js";

export interface ClawmendCli {
  /** The snapshot's bundle: what the sweep's recorded rows are keyed by. */
  bundleDir: string;
  patch(root: string, extra: readonly string[]): Promise<RunResult>;
}

export function snapshotCli(scratch: string): ClawmendCli {
  if (!existsSync(join(REPO, "dist", "cli.js"))) throw new Error("dist/ is not built: run `npm run build` (npm run sweep does)");
  const dir = join(scratch, "clawmend");
  mkdirSync(dir);
  for (const entry of ["bin", "dist", "package.json"]) cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  const cwd = join(scratch, "cwd");
  mkdirSync(cwd);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const bin = join(dir, "bin", "clawmend.js");
  return {
    bundleDir: join(dir, "dist", "bundle"),
    patch: (root, extra) => run(process.execPath, [bin, "patch", "--root", root, ...extra], { cwd, env, timeoutMs: 20 * 60_000 }),
  };
}

import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import pc from "picocolors";
import { main } from "../../src/cli.js";
import type { CommandIO } from "../../src/commands/io.js";

export const REPO = join(import.meta.dirname, "..", "..");
export const BIN = join(REPO, "bin", "clawpatch.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (fast; no colour, no TTY) with the test's environment plus `env`. */
export function runMain(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runMainExactEnv(argv, cwd, { ...process.env, ...env });
}

/** Runs the CLI in this process with exactly `env` (e.g. a PATH and HOME and nothing else). */
export async function runMainExactEnv(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CommandIO = {
    out: (t) => void (stdout += t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => void (stderr += t.endsWith("\n") ? t : `${t}\n`),
    errIsTTY: false,
    colors: pc.createColors(false),
    cwd,
    env,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Runs the built CLI (`bin/clawpatch.js`) as its own process. */
export function runBin(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...argv], { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, encoding: "utf8" });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the built CLI without waiting (for concurrency and kill tests). */
export function startBin(argv: string[], cwd: string) {
  return spawn(process.execPath, [BIN, ...argv], { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
}

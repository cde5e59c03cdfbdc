/**
 * The one way tests run clawmend: `runCli` in this process (fast; no TTY, no colour), or
 * `runBin` / `startBin` as its own process of the built bin where a process boundary matters
 * (killing it, two at once, a postinstall hook, a heap limit).
 */
import type { ChildProcess } from "node:child_process";
import pc from "picocolors";
import type { CommandIO } from "../../src/commands/io.js";
import { main } from "../../src/commands/main.js";
import { BIN, REPO } from "./paths.js";
import { run, startProcess, type RunResult } from "./run.js";

export { BIN, REPO };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Working directory (where a patches.config.ts would be found). */
  cwd: string;
  /** Merged over this process's environment, unless `exactEnv`. */
  env?: NodeJS.ProcessEnv;
  /** Use `env` as the whole environment (e.g. a PATH and a HOME and nothing else). */
  exactEnv?: boolean;
}

export async function runCli(argv: string[], options: CliOptions): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CommandIO = {
    out: (t) => void (stdout += t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => void (stderr += t.endsWith("\n") ? t : `${t}\n`),
    errIsTTY: false,
    colors: pc.createColors(false),
    cwd: options.cwd,
    env: options.exactEnv ? (options.env ?? {}) : { ...process.env, ...options.env },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export interface BinOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Node options for the child (e.g. `--max-old-space-size=700`). */
  nodeArgs?: string[];
  timeoutMs?: number;
}

function binEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
  delete out.NODE_OPTIONS;
  return out;
}

/** The built bin as its own process, to completion. */
export function runBin(argv: string[], options: BinOptions): Promise<RunResult> {
  return run(process.execPath, [...(options.nodeArgs ?? []), BIN, ...argv], {
    cwd: options.cwd,
    env: binEnv(options.env),
    timeoutMs: options.timeoutMs ?? 30 * 60_000,
  });
}

/** The built bin as its own process, not waited for (to kill it, or run two at once). */
export function startBin(argv: string[], options: BinOptions): ChildProcess {
  return startProcess(process.execPath, [...(options.nodeArgs ?? []), BIN, ...argv], { cwd: options.cwd, env: binEnv(options.env) });
}

/** How a started child ended (its stderr is collected and printed when it failed). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode, stderr });
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** Polls until `check` holds (every 2 ms) or the child exits; true when the check held. */
export async function waitFor(check: () => boolean, child: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (check()) return true;
    if (child.exitCode !== null || child.signalCode !== null) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

/** Status of one patch per package copy, from a `--json` report: `{ "name@version": status }`. */
export function statuses(jsonReport: string, patch = "vllm-tool-gate"): Record<string, string> {
  const report = JSON.parse(jsonReport) as {
    copies: Array<{ package: string; version: string; patches: Array<{ patch: string; status: string; message?: string }> }>;
  };
  const out: Record<string, string> = {};
  for (const copy of report.copies) {
    const p = copy.patches.find((x) => x.patch === patch);
    if (p) out[`${copy.package}@${copy.version}`] = p.status;
  }
  return out;
}

/**
 * Every child process the tests start goes through here: {@link run} / {@link runOk} (to
 * completion), {@link runSync} / {@link runOkSync} (the same, blocking, for setup code that
 * cannot await), and {@link startProcess} (long-lived: a service, a server, a child to kill).
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";

/** Result of running a child process to completion. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time in milliseconds. */
  ms: number;
}

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill (SIGKILL) after this many ms; default 10 minutes. */
  timeoutMs?: number;
  /** Data written to stdin (stdin is closed either way). */
  input?: string;
  /** Run as this user (the test runs as root). */
  as?: { uid: number; gid: number };
}

/**
 * Run a command without a shell; never rejects on a non-zero exit (inspect `code`).
 * Rejects only if the binary cannot be spawned.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ms: Date.now() - started,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** Like {@link run} but rejects with stdout/stderr in the message on a non-zero exit. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return ok(cmd, args, await run(cmd, args, opts));
}

/** {@link run}, blocking. Throws only if the binary cannot be spawned. */
export function runSync(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input ?? "",
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: opts.timeoutMs ?? 600_000,
    killSignal: "SIGKILL",
    ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
  });
  if (r.error && r.status === null && r.signal === null) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** {@link runOk}, blocking. */
export function runOkSync(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  return ok(cmd, args, runSync(cmd, args, opts));
}

function ok(cmd: string, args: readonly string[], r: RunResult): RunResult {
  if (r.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${r.code ?? r.signal}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`,
    );
  }
  return r;
}

/** Options for {@link startProcess}. */
export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default: stdin ignored, stdout and stderr piped. */
  stdio?: StdioOptions;
  /** Its own process group (kill the whole tree with `process.kill(-pid)`). */
  detached?: boolean;
  /** Run as this user (the test runs as root). */
  as?: { uid: number; gid: number };
}

/** Starts a child that is not waited for; the caller reads, waits for and kills it. */
export function startProcess(cmd: string, args: readonly string[], opts: StartOptions = {}): ChildProcess {
  return spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: opts.stdio ?? ["ignore", "pipe", "pipe"],
    detached: opts.detached ?? false,
    ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
  });
}

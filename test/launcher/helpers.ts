import type { ChildProcess } from "node:child_process";
import { runOkSync, runSync, startProcess } from "../support/run.js";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURES as ALL_FIXTURES, REPO } from "../support/paths.js";
import { run } from "../support/run.js";
import { tempDir as sharedTempDir } from "../support/tree.js";
import { resolveSettings } from "../../src/config/resolve.js";
import type { VllmConfigInput } from "../../src/config/settings.js";
import { generateLauncher } from "../../src/launcher/generate.js";
import { resolveLauncherSettings, type LauncherOverrides, type LauncherSettings } from "../../src/launcher/settings.js";
import { writeLauncherFiles } from "../../src/launcher/write.js";

export { REPO };
export const FIXTURES = join(ALL_FIXTURES, "launcher");
/** The real interpreter (not a pyenv shim), so PATH can stay minimal. */
export const PYTHON = runOkSync("python3", ["-c", "import sys; print(sys.executable)"]).stdout.trim();

export function has(tool: string): boolean {
  return runSync("sh", ["-c", `command -v ${tool}`]).code === 0;
}

/** A fresh temp dir, removed after the test file. */
export function tempDir(prefix = "clawmend-launcher-"): string {
  return sharedTempDir(prefix);
}

export const GPU_24G_FREE = "0, GPU-11111111-aaaa-bbbb-cccc-000000000000, 24564, 24000";

export function settingsFor(
  outDir: string,
  vllm: VllmConfigInput = {},
  overrides: LauncherOverrides = {},
  mirrorDir: string | null = null,
): LauncherSettings {
  return resolveLauncherSettings(
    resolveSettings(vllm).vllm,
    { runtimeDir: "/opt/openclaw-runtime", ...overrides },
    { cwd: outDir, outDir, node: process.execPath, clawmendBin: join(REPO, "bin/clawmend.js"), generator: "clawmend test", mirrorDir },
  );
}

export function generateInto(
  outDir: string,
  vllm: VllmConfigInput = {},
  overrides: LauncherOverrides = {},
  mirrorDir: string | null = null,
) {
  const settings = settingsFor(outDir, vllm, overrides, mirrorDir);
  writeLauncherFiles(outDir, generateLauncher(settings).files);
  return { settings, script: join(outDir, "vllm-launch.sh"), wrapper: join(outDir, "openclaw") };
}

/** A model directory vLLM would accept (config.json inside). */
export function makeModelDir(path: string): string {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "config.json"), "{}\n");
  return path;
}

export interface RunEnv {
  /** Put the fake nvidia-smi on PATH (default true). */
  gpu?: boolean;
  /** Put the fake `vllm` CLI on PATH (default true). */
  vllmCli?: boolean;
  /** PYTHONPATH entry holding the fake `vllm` package: "python" (default), "python-noparsers", or null. */
  vllmPackage?: "python" | "python-noparsers" | null;
  nvidiaSmiOutput?: string;
  nvidiaSmiFail?: boolean;
  env?: Record<string, string | undefined>;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** What the fake vLLM recorded, if it ran. */
  record: { entrypoint: string; argv: string[] } | null;
  imported: boolean;
}

/** Runs the launcher as its own process (not waited for synchronously: several can run at once). */
export async function runScript(script: string, work: string, args: string[] = [], opts: RunEnv = {}): Promise<RunResult> {
  const record = join(work, `record-${Math.random().toString(36).slice(2)}.json`);
  const importLog = join(work, `import-${Math.random().toString(36).slice(2)}.log`);
  const path = [
    ...(opts.gpu === false ? [] : [join(FIXTURES, "bin-gpu")]),
    ...(opts.vllmCli === false ? [] : [join(FIXTURES, "bin-vllm")]),
    dirname(PYTHON),
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
  ].join(":");
  const pkg = opts.vllmPackage === undefined ? "python" : opts.vllmPackage;
  const env: Record<string, string> = {
    PATH: path,
    HOME: work,
    HF_HOME: join(work, "hf"),
    PYTHONDONTWRITEBYTECODE: "1",
    FAKE_VLLM_RECORD: record,
    FAKE_VLLM_IMPORT_LOG: importLog,
    ...(pkg ? { PYTHONPATH: join(FIXTURES, pkg) } : {}),
    ...(opts.nvidiaSmiOutput !== undefined ? { FAKE_NVIDIA_SMI_OUTPUT: opts.nvidiaSmiOutput } : {}),
    ...(opts.nvidiaSmiFail ? { FAKE_NVIDIA_SMI_FAIL: "1" } : {}),
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const result = await run(script, args, { env, cwd: work, timeoutMs: 60_000 });
  const out: RunResult = {
    status: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    record: existsSync(record) ? JSON.parse(readFileSync(record, "utf8")) : null,
    imported: existsSync(importLog),
  };
  rmSync(record, { force: true });
  rmSync(importLog, { force: true });
  return out;
}

/** Parses `VLLM_ASSISTANT_PREFLIGHT_FAILED reason=x key=value key="a \"b\""`. */
export function parseMarker(line: string): { marker: string; fields: Record<string, string> } {
  const [marker, ...rest] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
  const fields: Record<string, string> = {};
  const re = /([A-Za-z0-9_]+)=(?:"((?:[^"\\]|\\.)*)"|([^ ]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest.join(" "))) !== null) {
    fields[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c) : m[3]!;
  }
  return { marker: marker!, fields };
}

export async function listenOn(port: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", ok);
  });
  return server;
}

/** A python child that runs `code` (with `port` as argv[1]) and prints "ready" when set up. */
export async function pythonHolder(code: string, port: number): Promise<ChildProcess> {
  const child = startProcess(PYTHON, ["-c", code, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((ok, fail) => {
    let seen = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("ready")) ok();
    });
    child.once("exit", (code) => fail(new Error(`holder exited with ${code}`)));
  });
  return child;
}

export const HOLD_BOUND = `
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(120)
`;

export const HOLD_BOUND_REUSEADDR = `
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(120)
`;

/** Leaves a TIME-WAIT connection whose local port is the port, and nothing else on it. */
export const MAKE_TIME_WAIT = `
import socket, sys, time
port = int(sys.argv[1])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(1)
client = socket.create_connection(("127.0.0.1", port))
conn, _ = server.accept()
server.close()
conn.close()          # the server side closes first: it is the one left in TIME-WAIT
time.sleep(0.2)
client.close()
time.sleep(0.2)
print("ready", flush=True)
time.sleep(120)
`;

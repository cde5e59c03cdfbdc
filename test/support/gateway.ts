/**
 * The OpenClaw gateway as systemd runs it: `node <pkg>/dist/index.js gateway --port P` with an
 * environment built from scratch (nothing inherited from the test runner), cwd = HOME, in its
 * own process group; and `openclaw agent --agent main --message ping` (no `--local`) going
 * through it. Measured on 2026.2.26 and 2026.9.6:
 * - 2026.9.6 is ready when `GET /readyz` answers `{"ready":true}`; 2026.2.26 has no health
 *   endpoint (every path serves the Control UI) and is ready once it logs
 *   `[gateway] listening on ws://`.
 * - 2026.2.26's CLI silently runs the turn itself when it cannot use the gateway
 *   (`Gateway agent failed; falling back to embedded`), so tests check who sent the request
 *   (`senderPid` of the vLLM-like server) rather than only the reply.
 * - 2026.2.26 keeps a jiti transpile cache in `$TMPDIR/jiti` keyed by file path: a restart
 *   of the same copy with the same TMPDIR starts in seconds instead of ~45 s (see `copyTree`).
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { OFFLINE_ENV, makeOpenclawHome, type OpenclawHome } from "./openclaw-home.js";
import { freePort } from "./ports.js";
import { run, startProcess, type RunResult } from "./run.js";

export interface GatewayHomeOptions {
  /** The vLLM-like server's `/v1` base URL. */
  baseUrl: string;
  /**
   * 2026.9.x fetches OpenClaw's model catalog from the gateway unless
   * `models.catalogRefresh.enabled` is false; 2026.2.26's strict schema rejects the key.
   */
  catalogRefreshKey: boolean;
  /** The provider's id; default `vllm`. */
  providerId?: string;
}

/** An OpenClaw home whose config also runs a local gateway, and the service environment. */
export interface GatewayHome extends OpenclawHome {
  port: number;
  token: string;
  /** `logging.file` of the config. */
  logFile: string;
  /** TMPDIR of every process started from this home: the test run's, shared, so OpenClaw's transpile cache is too. */
  tmpdir: string;
}

export async function makeGatewayHome(options: GatewayHomeOptions): Promise<GatewayHome> {
  const port = await freePort();
  const token = `clawmend-test-${Math.random().toString(36).slice(2)}`;
  const draft = await makeOpenclawHome({
    baseUrl: options.baseUrl,
    model: "fake-model",
    ...(options.providerId ? { providerId: options.providerId } : {}),
  });
  const logFile = path.join(draft.home, "openclaw.log");
  const tmpdir = os.tmpdir();
  const config = {
    ...draft.config,
    logging: { file: logFile },
    gateway: { mode: "local", port, bind: "loopback", auth: { mode: "token", token } },
  } as Record<string, unknown>;
  if (options.catalogRefreshKey) {
    config.models = { ...(config.models as object), catalogRefresh: { enabled: false } };
  }
  await fs.writeFile(draft.configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return { ...draft, config, port, token, logFile, tmpdir };
}

/** The user a unit runs as, when it is not the test runner (root). */
export interface UnitUser {
  name: string;
  uid: number;
  gid: number;
}

/** What a systemd user unit gives the service: HOME, a PATH with the unit's Node first, no test-runner variables. */
export function serviceEnv(node: string, home: GatewayHome, as?: UnitUser): NodeJS.ProcessEnv {
  const user = as?.name ?? os.userInfo().username;
  return {
    ...OFFLINE_ENV,
    OPENCLAW_NO_AUTO_UPDATE: "1",
    HOME: home.home,
    USER: user,
    LOGNAME: user,
    LANG: "C.UTF-8",
    TMPDIR: home.tmpdir,
    XDG_CONFIG_HOME: path.join(home.home, ".config"),
    XDG_CACHE_HOME: path.join(home.home, ".cache"),
    XDG_DATA_HOME: path.join(home.home, ".local", "share"),
    XDG_STATE_HOME: path.join(home.home, ".local", "state"),
    PATH: `${path.dirname(node)}:/usr/local/bin:/usr/bin:/bin`,
  };
}

export interface Gateway {
  pid: number;
  /** Everything the service wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (what `systemctl stop` sends), then SIGKILL to the group after 60 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function getReadyz(port: number): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/readyz", timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

function isReady(answer: { status: number; body: string } | undefined, output: string): boolean {
  if (!answer) return false;
  if (answer.status === 200 && answer.body.trimStart().startsWith("{")) {
    try {
      return (JSON.parse(answer.body) as { ready?: boolean }).ready === true;
    } catch {
      return false;
    }
  }
  return output.includes("[gateway] listening on ws://");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the copy's gateway the way its systemd unit does (plus `extraEnv`, the unit's own `Environment=`) and waits until it serves. */
export function startGateway(
  node: string,
  copy: string,
  home: GatewayHome,
  timeoutMs = 5 * 60_000,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Gateway> {
  const argv = [node, path.join(copy, "dist", "index.js"), "gateway", "--port", String(home.port)];
  return startService(argv, home, { ...serviceEnv(node, home), ...extraEnv }, { timeoutMs });
}

/** Starts a unit's ExecStart= (argv) with the unit's environment, cwd = HOME, and waits until the gateway serves. */
export async function startService(
  argv: readonly string[],
  home: GatewayHome,
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number; as?: UnitUser } = {},
): Promise<Gateway> {
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const child: ChildProcess = startProcess(argv[0]!, argv.slice(1), {
    cwd: home.home,
    env,
    detached: true,
    ...(options.as ? { as: options.as } : {}),
  });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exit.then((e) => (exited = e));
  const gateway: Gateway = {
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (exited) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 60_000);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`gateway exited before it was ready (${JSON.stringify(exited)}):\n${output.slice(-4000)}`);
    if (isReady(await getReadyz(home.port), output)) return gateway;
    await sleep(250);
  }
  await gateway.stop();
  throw new Error(`gateway not ready after ${timeoutMs} ms:\n${output.slice(-4000)}`);
}

/** `openclaw agent --agent main --message ping` through the gateway of `home`'s config. */
export function agentThroughGateway(node: string, copy: string, home: GatewayHome, timeoutMs = 10 * 60_000): Promise<RunResult> {
  return run(node, [path.join(copy, "openclaw.mjs"), "agent", "--agent", "main", "--message", "ping"], {
    cwd: home.home,
    env: serviceEnv(node, home),
    timeoutMs,
  });
}

/** `openclaw agent --agent main --message ping` through the gateway, run by the `openclaw` wrapper the launcher writes. */
export function agentThroughWrapper(
  wrapper: string,
  node: string,
  home: GatewayHome,
  as?: UnitUser,
  timeoutMs = 10 * 60_000,
): Promise<RunResult> {
  return run("sh", [wrapper, "agent", "--agent", "main", "--message", "ping"], {
    cwd: home.home,
    env: serviceEnv(node, home, as),
    timeoutMs,
    ...(as ? { as } : {}),
  });
}

/** The line 2026.2.26's CLI prints before running a turn itself instead of through the gateway. */
export const EMBEDDED_FALLBACK = "falling back to embedded";

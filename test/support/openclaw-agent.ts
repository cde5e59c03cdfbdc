/**
 * Running the real OpenClaw CLI in end-to-end tests: a fresh copy of a cached global-style
 * install with the Node that runs it, and one `openclaw agent --local --message ping` turn.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { runNode, type NodeMajor } from "./node-runtime.js";
import { openclawInstall } from "./openclaw-install.js";
import { makeOpenclawHome, openclawEnv, type OpenclawHome } from "./openclaw-home.js";
import { copyTree, removeCopy } from "./real-packages.js";
import { type RunResult } from "./run.js";
import { startVllmLikeServer, type VllmLikeServer, type VllmLikeServerOptions } from "./vllm-server.js";

/** A fresh copy of the global-style install of `openclaw@version`, and the Node binary for it. */
export async function openclawCopy(version: string, major: NodeMajor): Promise<{ node: string; copy: string }> {
  const { node, install } = await openclawInstall(version, major);
  return { node, copy: await copyTree(install) };
}

/** One `openclaw agent --local --message ping [args]` turn of the copy's bin, with HOME's config. */
export function agentTurn(
  node: string,
  copy: string,
  home: OpenclawHome,
  extra: NodeJS.ProcessEnv,
  timeoutMs: number,
  args: readonly string[] = [],
): Promise<RunResult> {
  return runNode(node, [path.join(copy, "openclaw.mjs"), "agent", "--local", "--message", "ping", ...args], {
    env: openclawEnv(process.env, home, extra),
    timeoutMs,
  });
}

/** stdout and stderr of a run, for messages and `toContain` on either. */
export const allOutput = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;

export interface AgentRigOptions {
  version: string;
  major: NodeMajor;
  /** Prefix of the scratch directory (`work`) in the OS temp dir. */
  workPrefix: string;
  /** Merged into the OpenClaw home's config (e.g. a provider API key). */
  extraConfig?: Record<string, unknown>;
  /** Timeout of one agent turn. */
  turnTimeoutMs: number;
  /** More arguments of every agent turn (2026.2.x needs `--session-id`). */
  agentArgs?: readonly string[];
  /** The provider's id in the home's config; default `vllm`. */
  providerId?: string;
  /** Options of the vLLM-like server (default: without tool calling, on 127.0.0.1). */
  server?: Partial<VllmLikeServerOptions>;
}

/** What the tests of one describe block share; filled in by `beforeAll`. */
export interface AgentRig {
  node: string;
  copy: string;
  work: string;
  /** A vLLM-like server without tool calling, which the home's provider points at. */
  server: VllmLikeServer;
  home: OpenclawHome;
  /** One agent turn, after clearing the server's request log. */
  agent(extra?: NodeJS.ProcessEnv): Promise<RunResult>;
}

/**
 * Registers `beforeAll`/`afterAll` for a real OpenClaw copy, a scratch directory, a vLLM-like
 * server and an OpenClaw home with model `fake-model` on it; everything is removed afterwards.
 */
export function useAgentRig(options: AgentRigOptions): AgentRig {
  const rig = {
    agent(extra: NodeJS.ProcessEnv = {}) {
      rig.server.requests.length = 0;
      return agentTurn(rig.node, rig.copy, rig.home, extra, options.turnTimeoutMs, options.agentArgs);
    },
  } as AgentRig;
  beforeAll(async () => {
    ({ node: rig.node, copy: rig.copy } = await openclawCopy(options.version, options.major));
    rig.work = await mkdtemp(path.join(os.tmpdir(), options.workPrefix));
    rig.server = await startVllmLikeServer({ toolCalling: false, ...options.server });
    rig.home = await makeOpenclawHome({
      baseUrl: rig.server.baseUrl,
      model: "fake-model",
      ...(options.providerId ? { providerId: options.providerId } : {}),
      ...(options.extraConfig ? { extraConfig: options.extraConfig } : {}),
    });
  }, 60 * 60_000);
  afterAll(async () => {
    await rig.server?.close();
    await rig.home?.cleanup();
    if (rig.copy) await removeCopy(rig.copy);
    if (rig.work) await rm(rig.work, { recursive: true, force: true });
  });
  return rig;
}

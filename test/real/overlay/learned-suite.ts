/**
 * The learned gate on a real OpenClaw, one suite per version: the only provider is `gpu-box` at
 * `http://127.0.0.2:PORT/v1`, an address no setting names (not `vllm.endpoints`, not a default
 * port, not the provider id `vllm`), and the copy is patched with the built-in default config.
 * The pristine copy gets vLLM's 400; the patched one learns from the server's own refusal: one
 * refused request, one retry without tools, then no tools for the rest of the process.
 */
import os from "node:os";
import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { runBin } from "../../support/cli.js";
import { agentThroughGateway, EMBEDDED_FALLBACK, makeGatewayHome, startGateway } from "../../support/gateway.js";
import type { NodeMajor } from "../../support/node-runtime.js";
import { allOutput, useAgentRig, type AgentRig } from "../../support/openclaw-agent.js";
import { jsonLines } from "../../support/probes.js";
import type { RunResult } from "../../support/run.js";
import { VLLM_AUTO_TOOL_CHOICE_ERROR, type RecordedRequest } from "../../support/vllm-server.js";

const MIN = 60_000;
/** The provider id of the rig's home: not `vllm`, so nothing but the server itself says it is one. */
export const PROVIDER = "gpu-box";
/** The provider API key of the rig's home (`makeOpenclawHome`): sent to the server, never logged. */
export const KEY = "sk-clawmend-test-dummy";

export interface LearnedCase {
  version: string;
  major: NodeMajor;
  /** Whether the version's config schema knows `models.catalogRefresh` (see `makeGatewayHome`). */
  catalogRefreshKey: boolean;
  /** More arguments of `agent --local` (2026.2.x needs `--session-id`). */
  agentArgs?: readonly string[];
  /**
   * Whether this version also runs the control with an unrelated 400 (two more turns: the
   * pristine count and the patched one). The decision is the same pure function on every
   * version (test/runtime/learned-gate.test.ts has it as a table), and reading the server's
   * message is proven on every version by the refusal it learns from.
   */
  unrelatedRefusalControl: boolean;
  /**
   * Whether this version also runs the re-check through the gateway (one more gateway start: the
   * server restarted with tool calling gets tools again after the interval). The interval is the
   * overlay's own timer, the same on every version; learning through the gateway, which does
   * depend on the version's fetch hooks, runs on every version.
   */
  recheckThroughGateway: boolean;
  /** How vLLM's 400 reaches the pristine runtime's turn on this version (exit code, requests, tool choice). */
  expectRejectedTurn(turn: RunResult, chats: RecordedRequest[]): void;
}

const wire = (chats: RecordedRequest[]) => chats.map((c) => ({ status: c.status, tools: c.body !== undefined && "tools" in c.body }));

/** The refused request, the one retry without tool fields, and only requests without them after it. */
function expectLearnedTurn(chats: RecordedRequest[]): void {
  expect(chats.length).toBeGreaterThanOrEqual(2);
  expect(chats[0]!.status).toBe(400);
  expect(chats[0]!.body.tools.length).toBeGreaterThan(0);
  expect(
    chats.filter((c) => c.status === 400),
    "exactly one refused request",
  ).toHaveLength(1);
  for (const later of chats.slice(1)) {
    expect(later.status).toBe(200);
    for (const k of ["tools", "tool_choice", "parallel_tool_calls"]) expect(later.body).not.toHaveProperty(k);
  }
  expect(chats[1]!.body.messages).toEqual(chats[0]!.body.messages);
}

const unavailable = (text: string) => jsonLines(text).filter((l) => l.msg === "vllm_tool_calling_unavailable");

/** What the suite shares with the blocks a version's file adds to it: the home, the server and the pristine proof. */
export interface LearnedGateRig {
  rig: AgentRig;
  /** How many tools the pristine runtime sent (set by the pristine test). */
  pristineTools(): number;
}

/**
 * The suite, then the blocks `more` registers, in the same describe block: they run after the
 * suite's tests, with its home and server still up.
 */
export function describeLearnedGate(c: LearnedCase, more?: (shared: LearnedGateRig) => void): void {
  let pristineTools = 0;
  describe(`openclaw ${c.version}: the learned gate, provider ${PROVIDER} on an address no setting names`, () => {
    const rig = useAgentRig({
      version: c.version,
      major: c.major,
      workPrefix: "clawmend-learned-",
      turnTimeoutMs: 10 * MIN,
      ...(c.agentArgs ? { agentArgs: c.agentArgs } : {}),
      providerId: PROVIDER,
      server: { host: "127.0.0.2", identifySenders: true },
    });
    const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });
    let pristineOverflow = 0;

    it(
      c.unrelatedRefusalControl
        ? "pristine: verify says unpatched; vLLM's 400 for every tool under tool choice auto, and the count of requests an unrelated 400 (context too long) gets"
        : "pristine: verify says unpatched; vLLM's 400 for every tool under tool choice auto",
      async () => {
        expect(rig.server.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
        expect((await clawmend(["patch", "--root", rig.copy, "--verify"])).code).toBe(1);
        const refused = await rig.agent();
        expect(allOutput(refused)).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
        expect(refused.stdout).not.toContain("pong from fake vllm");
        expect(allOutput(refused)).not.toContain(KEY);
        const chats = rig.server.chatRequests();
        expect(chats.length).toBeGreaterThan(0);
        expect(chats.every((chat) => chat.status === 400 && chat.body.tools.length > 0)).toBe(true);
        expect(chats[0]!.effectiveToolChoice, "explicit, or vLLM's default for a request with tools").toBe("auto");
        pristineTools = chats[0]!.body.tools.length;
        expect(pristineTools).toBeGreaterThan(10);
        c.expectRejectedTurn(refused, chats);
        if (!c.unrelatedRefusalControl) return;

        rig.server.setContextOverflow(true);
        try {
          await rig.agent();
          pristineOverflow = rig.server.chatRequests().length;
          expect(pristineOverflow).toBeGreaterThan(0);
        } finally {
          rig.server.setContextOverflow(false);
        }
      },
      20 * MIN,
    );

    it(
      "clawmend patch with the built-in default config",
      async () => {
        const r = await clawmend(["patch", "--root", rig.copy]);
        expect(r.code, allOutput(r)).toBe(0);
        expect(r.stdout).toMatch(/runtime-overlay\s+applied/);
      },
      40 * MIN,
    );

    it(
      "agent --local: the reply; the server saw the refused request, one retry without tools, no tools after it; one log line",
      async () => {
        const r = await rig.agent();
        expect(r.stdout, allOutput(r)).toContain("pong from fake vllm");
        const chats = rig.server.chatRequests();
        expectLearnedTurn(chats);
        console.info(`[${c.version}] agent --local, patched:`, JSON.stringify(wire(chats)));
        const logged = unavailable(r.stderr);
        expect(logged).toHaveLength(1);
        expect(logged[0]).toMatchObject({
          origin: rig.server.url,
          model: "fake-model",
          server_message: VLLM_AUTO_TOOL_CHOICE_ERROR,
          action: "retried_without_tools",
        });
        expect(allOutput(r)).not.toContain(KEY);
      },
      20 * MIN,
    );

    if (c.unrelatedRefusalControl)
      it(
        "control: an unrelated 400 reaches OpenClaw with as many requests as the pristine runtime sends, none retried",
        async () => {
          rig.server.setContextOverflow(true);
          try {
            const r = await rig.agent();
            const chats = rig.server.chatRequests();
            console.info(`[${c.version}] context too long: pristine ${pristineOverflow}, patched ${chats.length}`);
            expect(pristineOverflow).toBeGreaterThan(0);
            expect(chats).toHaveLength(pristineOverflow);
            expect(chats.every((chat) => chat.status === 400 && chat.body.tools.length > 0)).toBe(true);
            expect(unavailable(r.stderr)).toHaveLength(0);
          } finally {
            rig.server.setContextOverflow(false);
          }
        },
        20 * MIN,
      );

    it(
      "control: tool calling enabled and a server with tool calling: every tool on the wire, as the pristine runtime sends them; no retry",
      async () => {
        await rig.server.restart({ toolCalling: true });
        try {
          const r = await rig.agent({ OPENCLAW_VLLM_TOOLCALL: "1" });
          expect(r.stdout, allOutput(r)).toContain("pong from fake vllm");
          const chats = rig.server.chatRequests();
          expect(chats.length).toBeGreaterThan(0);
          expect(chats.every((chat) => chat.status === 200 && chat.body.tools.length > 0)).toBe(true);
          expect(chats[0]!.body.tools, "the gate and the overlay let every tool through").toHaveLength(pristineTools);
          expect(unavailable(r.stderr)).toHaveLength(0);
        } finally {
          await rig.server.restart({ toolCalling: false });
        }
      },
      20 * MIN,
    );

    /** One gateway start with these `Environment=` lines, `turns` run through it, and a stop. */
    async function throughGateway(extraEnv: NodeJS.ProcessEnv, turns: (turn: () => Promise<RunResult>) => Promise<void>): Promise<string> {
      const home = await makeGatewayHome({ baseUrl: rig.server.baseUrl, catalogRefreshKey: c.catalogRefreshKey, providerId: PROVIDER });
      try {
        const gateway = await startGateway(rig.node, rig.copy, home, 5 * MIN, extraEnv);
        try {
          await turns(async () => {
            rig.server.requests.length = 0;
            const turn = await agentThroughGateway(rig.node, rig.copy, home);
            expect(turn.stderr, "the CLI ran the turn itself").not.toContain(EMBEDDED_FALLBACK);
            expect(turn.stdout, allOutput(turn)).toContain("pong from fake vllm");
            for (const chat of rig.server.chatRequests()) expect(chat.senderPid, "sent by the gateway").toBe(gateway.pid);
            return turn;
          });
          return gateway.output();
        } finally {
          await gateway.stop();
        }
      } finally {
        await rm(home.home, { recursive: true, force: true });
      }
    }

    it(
      "through the gateway: the first turn learns, the next turn of the same process sends no tools at all",
      async () => {
        const output = await throughGateway({}, async (turn) => {
          await turn();
          const first = rig.server.chatRequests().slice();
          expectLearnedTurn(first);
          await turn();
          const next = rig.server.chatRequests();
          console.info(`[${c.version}] gateway turns:`, JSON.stringify(wire(first)), JSON.stringify(wire(next)));
          expect(next.length).toBeGreaterThan(0);
          for (const chat of next) {
            expect(chat.status).toBe(200);
            expect(chat.body).not.toHaveProperty("tools");
          }
        });
        expect(unavailable(output)).toHaveLength(1);
        expect(output).not.toContain(KEY);
      },
      30 * MIN,
    );

    if (c.recheckThroughGateway)
      it(
        "through the gateway: the server restarted with tool calling gets tools again after the re-check interval",
        async () => {
          const output = await throughGateway({ OPENCLAW_VLLM_TOOL_RECHECK_MS: "3000" }, async (turn) => {
            await turn();
            expectLearnedTurn(rig.server.chatRequests());
            await rig.server.restart({ toolCalling: true });
            await new Promise((r) => setTimeout(r, 3500));
            await turn();
            const after = rig.server.chatRequests();
            console.info(`[${c.version}] after the restart with tool calling:`, JSON.stringify(wire(after)));
            expect(after[0]!.status).toBe(200);
            expect(after[0]!.body.tools.length).toBeGreaterThan(0);
            expect(after.every((chat) => chat.status === 200)).toBe(true);
          });
          await rig.server.restart({ toolCalling: false });
          expect(jsonLines(output).filter((l) => l.msg === "vllm_tool_calling_available")).toEqual([
            expect.objectContaining({ origin: rig.server.url, model: "fake-model" }),
          ]);
        },
        30 * MIN,
      );

    more?.({ rig, pristineTools: () => pristineTools });
  });
}

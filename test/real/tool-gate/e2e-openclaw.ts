/**
 * Real end to end: the real OpenClaw CLI (`openclaw agent --local --message ping`, Node 22) of a
 * global-style openclaw 2026.2.26 install, against a server that validates like vLLM. Starting
 * state: a fresh copy of the cached install. Untouched, it gets vLLM's 400 (so this test can
 * fail); patched by `clawmend patch --root`, it gets the reply; with OPENCLAW_VLLM_TOOLCALL=1 and
 * a tool-calling server every tool the pristine request carried reaches the wire. Slow (each
 * agent turn boots the whole CLI).
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeBinary, runNode } from "../../support/node-runtime.js";
import { makeOpenclawHome, openclawEnv, type OpenclawHome } from "../../support/openclaw-home.js";
import { copyTree, globalStyleInstall, removeCopy } from "../../support/real-packages.js";
import { expectReplyWithoutTools } from "../../support/vllm-assertions.js";
import { startVllmLikeServer, VLLM_AUTO_TOOL_CHOICE_ERROR, type VllmLikeServer } from "../../support/vllm-server.js";
import os from "node:os";
import { runBin, statuses } from "../../support/cli.js";

const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });

const TIMEOUT = 30 * 60_000;

export function describeToolGateAgentTurns(): void {
  describe("openclaw 2026.2.26: agent --local against a vLLM without tool calling", () => {
    let node: string;
    let server: VllmLikeServer;
    let home: OpenclawHome;
    let copy: string;

    beforeAll(async () => {
      node = await nodeBinary(22);
      const installed = await globalStyleInstall("openclaw@2026.2.26");
      copy = await copyTree(installed);
      server = await startVllmLikeServer({ toolCalling: false });
      home = await makeOpenclawHome({ baseUrl: server.baseUrl, model: "fake-model" });
    }, TIMEOUT);
    afterAll(async () => {
      await server?.close();
      await home?.cleanup();
      if (copy) await removeCopy(copy);
    });

    const agentTurn = (root: string, extra: NodeJS.ProcessEnv = {}) =>
      runNode(
        node,
        [path.join(root, "openclaw.mjs"), "agent", "--local", "--message", "ping", "--session-id", "clawmend-e2e", "--timeout", "300"],
        {
          env: openclawEnv(process.env, home, extra),
          timeoutMs: 15 * 60_000,
        },
      );

    let pristineTools = 0;

    it(
      "the pristine copy: verify says unpatched; vLLM answers 400 (tools without tool_choice = auto)",
      async () => {
        expect((await clawmend(["patch", "--root", copy, "--verify", "--only", "vllm-tool-gate"])).code).toBe(1);
        server.requests.length = 0;
        const r = await agentTurn(copy);
        expect(r.stdout + r.stderr).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
        const sent = server.chatRequests();
        expect(sent.length).toBeGreaterThan(0);
        expect(sent[0]!.status).toBe(400);
        pristineTools = sent[0]!.body.tools.length;
        expect(pristineTools).toBeGreaterThan(10);
        expect(sent[0]!.body).not.toHaveProperty("tool_choice");
      },
      TIMEOUT,
    );

    it(
      "clawmend patch --root: pi-ai patched, openclaw itself not-applicable with the reason; verify 0",
      async () => {
        const r = await clawmend(["patch", "--root", copy, "--only", "vllm-tool-gate", "--json"]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(statuses(r.stdout)).toEqual({ "openclaw@2026.2.26": "not-applicable", "@mariozechner/pi-ai@0.55.1": "applied" });
        expect(r.stdout).toContain("this version builds chat requests in pi-ai (patched there)");
        expect((await clawmend(["patch", "--root", copy, "--verify", "--only", "vllm-tool-gate"])).code).toBe(0);
      },
      TIMEOUT,
    );

    it(
      "patched copy: the reply arrives, no tools on the wire, one JSON log line",
      async () => {
        server.requests.length = 0;
        const r = await agentTurn(copy);
        expectReplyWithoutTools(server, r.stdout);
        const lines = r.stderr.split("\n").filter((l) => l.includes('"vllm_tool_payload_stripped"'));
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0]!)).toMatchObject({ tools: pristineTools, endpoint: server.url, provider: "vllm" });
        expect(lines[0]).not.toContain("sk-clawmend-test-dummy");
      },
      TIMEOUT,
    );

    it(
      "patched copy, OPENCLAW_VLLM_TOOLCALL=1, tool-calling server: every tool reaches the wire",
      async () => {
        server.setToolCalling(true);
        server.requests.length = 0;
        try {
          const r = await agentTurn(copy, { OPENCLAW_VLLM_TOOLCALL: "1" });
          expect(r.stdout).toContain("pong from fake vllm");
          const sent = server.chatRequests();
          expect(sent.length).toBeGreaterThan(0);
          expect(sent[0]!.status).toBe(200);
          expect(sent[0]!.body.tools).toHaveLength(pristineTools);
          expect(r.stderr).not.toContain("vllm_tool_payload_stripped");
        } finally {
          server.setToolCalling(false);
        }
      },
      TIMEOUT,
    );
  });
}

/**
 * Real end to end on openclaw 2026.9.6 (Node 26): the real `openclaw agent --local --message
 * ping` of a copy of a global-style install, against a server that validates like vLLM. There
 * the payload builder lives in the nested `@openclaw/ai` package (`buildOpenAICompletionsRequest`
 * in `dist/openai-completions-stream-*.mjs`). The pristine copy sends tools with an explicit
 * `tool_choice: "auto"` and gets vLLM's 400 (so this test can fail); the copy patched with
 * `--only vllm-tool-gate` (no runtime overlay, so the gate alone must fix it) gets the reply with
 * no tool payload on the wire and one `vllm_tool_payload_stripped` line; with
 * OPENCLAW_VLLM_TOOLCALL=1 and a tool-calling server every tool reaches the wire. Slow (each
 * agent turn boots the whole CLI).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentTurn, openclawCopy } from "../support/openclaw-agent.js";
import { makeOpenclawHome, type OpenclawHome } from "../support/openclaw-home.js";
import { removeCopy, type RunResult } from "../support/real-packages.js";
import { startVllmLikeServer, VLLM_AUTO_TOOL_CHOICE_ERROR, type VllmLikeServer } from "../support/vllm-server.js";
import { clawpatch, statuses } from "./support.js";

const MIN = 60_000;
const STRIPPED = '"vllm_tool_payload_stripped"';

let node = "";
let copy = "";
let work = "";
let server: VllmLikeServer;
let home: OpenclawHome;
let pristineTools = 0;

async function agent(extra: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  server.requests.length = 0;
  return agentTurn(node, copy, home, extra, 12 * MIN);
}

const all = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

beforeAll(async () => {
  ({ node, copy } = await openclawCopy("2026.9.6", 26));
  work = await mkdtemp(path.join(os.tmpdir(), "clawpatch-toolgate-e2e-"));
  server = await startVllmLikeServer({ toolCalling: false });
  home = await makeOpenclawHome({ baseUrl: server.baseUrl, model: "fake-model" });
}, 60 * MIN);

afterAll(async () => {
  await server?.close();
  await home?.cleanup();
  if (copy) await removeCopy(copy);
  if (work) await rm(work, { recursive: true, force: true });
});

describe("openclaw 2026.9.6: agent --local against a vLLM without tool calling, gate in @openclaw/ai", () => {
  it("pristine copy: explicit tool_choice \"auto\" with every tool, vLLM answers 400; verify says unpatched", async () => {
    expect((await clawpatch(["patch", "--root", copy, "--verify", "--only", "vllm-tool-gate"])).code).toBe(1);
    const r = await agent();
    expect(r.code, all(r)).not.toBe(0);
    expect(all(r)).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
    const sent = server.chatRequests();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe(400);
    expect(sent[0]!.body.tool_choice).toBe("auto");
    pristineTools = sent[0]!.body.tools.length;
    expect(pristineTools).toBeGreaterThan(10);
  }, 15 * MIN);

  it("patch --only vllm-tool-gate: @openclaw/ai applied, openclaw itself not-applicable with the reason; verify 0", async () => {
    // The built-in patches (runtime-overlay-bin is one of them now, so ../overlay/support.ts's
    // writeOverlayConfig would add it twice) with the fake server's origin as a gated endpoint.
    const config = path.join(work, "gate.config.ts");
    await writeFile(config, `export default { vllm: { endpoints: ${JSON.stringify([server.url])} } };\n`);
    const r = await clawpatch(["patch", "--root", copy, "--only", "vllm-tool-gate", "--config", config, "--json"]);
    expect(r.code, all(r)).toBe(0);
    expect(statuses(r.stdout)).toEqual({ "openclaw@2026.9.6": "not-applicable", "@openclaw/ai@2026.9.6": "applied" });
    expect(r.stdout).toContain("this version builds chat requests in @openclaw/ai (patched there)");
    expect(r.stdout).not.toContain("runtime-overlay");
    const v = await clawpatch(["patch", "--root", copy, "--verify", "--only", "vllm-tool-gate", "--config", config]);
    expect(v.code, all(v)).toBe(0);
  }, 15 * MIN);

  it("patched copy: the reply arrives, no tools on the wire, one JSON log line from the gate", async () => {
    const r = await agent();
    expect(r.code, all(r)).toBe(0);
    expect(r.stdout).toContain("pong from fake vllm");
    const sent = server.chatRequests();
    expect(sent.length).toBeGreaterThan(0);
    for (const q of sent) {
      expect(q.status).toBe(200);
      expect(q.body).not.toHaveProperty("tools");
      expect(q.body).not.toHaveProperty("tool_choice");
    }
    const lines = r.stderr.split("\n").filter((l) => l.includes(STRIPPED));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: "vllm_tool_payload_stripped",
      tools: pristineTools,
      endpoint: server.url,
      provider: "vllm",
      model: "fake-model",
      removed: ["tools", "tool_choice"],
      source: "clawpatch",
    });
    expect(lines[0]).not.toContain("sk-clawpatch-test-dummy");
    // The gate fixed it, not an overlay: none is installed.
    expect(all(r)).not.toContain("clawpatch_overlay_installed");
    expect(all(r)).not.toContain("tool_payload_sanitized");
  }, 15 * MIN);

  it("patched copy, OPENCLAW_VLLM_TOOLCALL=1, tool-calling server: every tool reaches the wire", async () => {
    server.setToolCalling(true);
    try {
      const r = await agent({ OPENCLAW_VLLM_TOOLCALL: "1" });
      expect(r.code, all(r)).toBe(0);
      expect(r.stdout).toContain("pong from fake vllm");
      const sent = server.chatRequests();
      expect(sent.length).toBeGreaterThan(0);
      expect(sent[0]!.status).toBe(200);
      expect(sent[0]!.body.tools).toHaveLength(pristineTools);
      expect(sent[0]!.body.tool_choice).toBe("auto");
      expect(r.stderr).not.toContain("vllm_tool_payload_stripped");
    } finally {
      server.setToolCalling(false);
    }
  }, 15 * MIN);
});

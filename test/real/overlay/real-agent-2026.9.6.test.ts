/**
 * The runtime overlay on a copy of the real openclaw 2026.9.6 (global-style install, Node 26),
 * patched with `--skip vllm-tool-gate` (+ the bin spec): the real `openclaw agent --local`
 * against a vLLM-like server without tool calling gets its reply through the overlay alone.
 * 2026.9.6 sends model requests through the `undici` package's own fetch with a dispatcher:
 * the overlay's trace and warning say which hook caught the request (`via: "undici.fetch"`).
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allOutput as all, useAgentRig } from "../../support/openclaw-agent.js";
import { expectReplyWithoutTools } from "../../support/vllm-assertions.js";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";
import os from "node:os";
import { runBin } from "../../support/cli.js";
import { jsonLines, writeConfig } from "../../support/probes.js";

const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });

const SECRET = "sk-CLAWMEND-DUMMY-KEY-7f3a9c";
const MIN = 60_000;

const rig = useAgentRig({
  version: "2026.9.6",
  major: 26,
  workPrefix: "clawmend-overlay-real-",
  extraConfig: { models: { providers: { vllm: { apiKey: SECRET } } } },
  turnTimeoutMs: 8 * MIN,
});

describe("runtime overlay on real openclaw 2026.9.6 (Node 26, undici fetch)", () => {
  it(
    "the pristine copy gets vLLM's 400 (so the next tests can fail)",
    async () => {
      const r = await rig.agent();
      expect(r.code, all(r)).not.toBe(0);
      expect(all(r)).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
      const chats = rig.server.chatRequests();
      expect(chats).toHaveLength(1);
      expect(chats[0]!.status).toBe(400);
      expect(chats[0]!.body).toHaveProperty("tools");
    },
    10 * MIN,
  );

  it(
    "patch --skip vllm-tool-gate (+ runtime-overlay-bin) applies the overlay to dist/index.js, dist/entry.js and openclaw.mjs",
    async () => {
      const config = writeConfig(rig.work, { endpoints: [rig.server.url] });
      const r = await clawmend(["patch", "--root", rig.copy, "--skip", "vllm-tool-gate", "--config", config]);
      expect(r.code, all(r)).toBe(0);
      expect(r.stdout).toMatch(/runtime-overlay\s+applied\s+dist\/entry\.js:2, dist\/index\.js:2/);
      expect(r.stdout).toMatch(/runtime-overlay-bin\s+applied\s+openclaw\.mjs:2/);
      expect(r.stdout).not.toMatch(/vllm-tool-gate/);
    },
    40 * MIN,
  );

  it(
    "OPENCLAW_STRICT_TOOL_PAYLOAD=1: the structured error instead, the server receives no tool payload",
    async () => {
      const r = await rig.agent({ OPENCLAW_STRICT_TOOL_PAYLOAD: "1" });
      expect(r.code, all(r)).not.toBe(0);
      expect(r.stdout).not.toContain("pong from fake vllm");
      expect(rig.server.chatRequests().filter((c) => c.body && ("tools" in c.body || "tool_choice" in c.body))).toHaveLength(0);
      const lines = jsonLines(r.stderr).filter((l) => l.code === "TOOL_PAYLOAD_SANITIZER_BYPASSED");
      expect(lines).toHaveLength(1); // a 400 is not retried by the SDK: one request, one line
      expect(lines[0]).toMatchObject({
        level: "error",
        origin: rig.server.url,
        model: "fake-model",
        callsite_tag: "gateway.edge.final_dispatch",
        via: "undici.fetch",
      });
      expect(lines[0]!.remediation).toMatch(/clawmend doctor/);
      // What the user sees: OpenClaw's own error line carries the code (not "Connection error.").
      expect(all(r)).toMatch(/400 TOOL_PAYLOAD_SANITIZER_BYPASSED/);
      expect(all(r)).not.toMatch(/Connection error/);
      expect(all(r)).not.toContain(SECRET);
    },
    10 * MIN,
  );

  it(
    "gets its reply through the overlay alone, tools stripped at the undici fetch; OPENCLAW_TRACE_VLLM_OUTBOUND=1: trace lines with the issue's fields, no API key; bin + entry load one overlay",
    async () => {
      const r = await rig.agent({ OPENCLAW_TRACE_VLLM_OUTBOUND: "1" });
      expect(r.code, all(r)).toBe(0);
      expectReplyWithoutTools(rig.server, r.stdout);
      const lines = jsonLines(r.stderr);
      const warn = lines.filter((l) => l.msg === "tool_payload_sanitized");
      expect(warn).toHaveLength(1);
      expect(warn[0]).toMatchObject({
        callsite_tag: "gateway.edge.final_dispatch",
        via: "undici.fetch",
        removed: ["tools", "tool_choice"],
        endpoint: rig.server.url,
      });
      const traces = lines.filter((l) => l.event === "vllm_outbound_trace");
      const chats = rig.server.chatRequests();
      expect(traces.length).toBeGreaterThanOrEqual(chats.length);
      const chatTraces = traces.filter((t) => String(t.target_url).endsWith("/v1/chat/completions"));
      expect(chatTraces).toHaveLength(chats.length);
      const t = chatTraces[0]!;
      expect(Object.keys(t)).toEqual(
        expect.arrayContaining([
          "subsystem",
          "event",
          "ts",
          "target_url",
          "method",
          "content_length",
          "payload_top_keys",
          "has_tools",
          "has_tool_choice",
          "callsite_tag",
          "stack_fingerprint",
        ]),
      );
      expect(t).toMatchObject({
        subsystem: "tool_payload_trace",
        event: "vllm_outbound_trace",
        target_url: `${rig.server.url}/v1/chat/completions`,
        method: "POST",
        has_tools: false,
        has_tool_choice: false,
        callsite_tag: "gateway.edge.final_dispatch",
        action: "sanitized",
        via: "undici.fetch",
      });
      expect(t.payload_top_keys).toEqual(expect.arrayContaining(["model", "messages"]));
      expect(t.content_length).toBe(Buffer.byteLength(chats[0]!.rawBody));
      expect(String(t.stack_fingerprint)).toMatch(/openclaw\/dist\/.+\.mjs:\d+/);
      // The key was really sent (so its absence from the output means something) …
      expect(chats[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
      // … and never reaches a log line.
      expect(all(r)).not.toContain(SECRET);
      expect(JSON.stringify(traces)).not.toMatch(/authorization|bearer|sk-/i);
      // One overlay for the whole process, although the bin and dist/entry.js both import it,
      // with the undici hook on the copy 2026.9.6 really uses.
      const installed = lines.filter((l) => l.msg === "clawmend_overlay_installed");
      expect(installed).toHaveLength(1);
      expect(installed[0]!.fetch_hooks).toEqual([
        "globalThis.fetch",
        `undici.fetch:${path.join(rig.copy, "node_modules", "undici", "index.js")}`,
      ]);
    },
    10 * MIN,
  );
});

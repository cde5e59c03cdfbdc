/**
 * Each fix alone on the real openclaw 2026.9.6 (global-style install, Node 26): the real
 * `openclaw agent --local --message ping` against a server that validates like vLLM, without
 * tool calling. There the payload builder lives in the nested `@openclaw/ai` package
 * (`buildOpenAICompletionsRequest` in `dist/openai-completions-stream-*.mjs`), and model
 * requests go out through the `undici` package's own fetch with a dispatcher.
 *
 * Starting state: two fresh copies of the cached install, one home and one server. The failure
 * is shown first, on the first copy before anything patched it (so the tests after it can
 * fail); the second copy is the same install, copied the same way. Then:
 * - the first copy patched `--only vllm-tool-gate` (no runtime overlay, so the gate alone must
 *   fix it): the reply, no tool payload on the wire, one `vllm_tool_payload_stripped` line;
 * - the second copy patched `--skip vllm-tool-gate` (+ the bin spec): the reply through the
 *   overlay alone, whose trace and warning say which hook caught the request
 *   (`via: "undici.fetch"`), and its strict mode.
 * That with OPENCLAW_VLLM_TOOLCALL=1 and a tool-calling server every tool reaches the wire is
 * the learned gate's control on this version (`../overlay/learned-suite.ts`: the default patch,
 * gate and overlay included). Slow: each turn boots the whole CLI.
 */
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin, statuses } from "../../support/cli.js";
import { agentTurn, allOutput as all, openclawCopy, useAgentRig } from "../../support/openclaw-agent.js";
import { jsonLines, writeConfig } from "../../support/probes.js";
import { removeCopy } from "../../support/real-packages.js";
import type { RunResult } from "../../support/run.js";
import { expectReplyWithoutTools } from "../../support/vllm-assertions.js";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";

const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });

const MIN = 60_000;
const SECRET = "sk-CLAWMEND-DUMMY-KEY-7f3a9c";
const STRIPPED = '"vllm_tool_payload_stripped"';

const rig = useAgentRig({
  version: "2026.9.6",
  major: 26,
  workPrefix: "clawmend-each-fix-",
  extraConfig: { models: { providers: { vllm: { apiKey: SECRET } } } },
  turnTimeoutMs: 12 * MIN,
});
/** The second copy, patched with the overlay alone. */
let overlaid = "";
beforeAll(async () => {
  overlaid = (await openclawCopy("2026.9.6", 26)).copy;
}, 60 * MIN);
afterAll(async () => {
  if (overlaid) await removeCopy(overlaid);
});

/** One turn of the overlay-only copy, with the rig's home and server. */
function overlayTurn(extra: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  rig.server.requests.length = 0;
  return agentTurn(rig.node, overlaid, rig.home, extra, 12 * MIN);
}

let pristineTools = 0;

describe("openclaw 2026.9.6: agent --local against a vLLM without tool calling", () => {
  it(
    'pristine copy: explicit tool_choice "auto" with every tool, vLLM answers 400; verify says unpatched',
    async () => {
      expect((await clawmend(["patch", "--root", rig.copy, "--verify", "--only", "vllm-tool-gate"])).code).toBe(1);
      const r = await rig.agent();
      expect(r.code, all(r)).not.toBe(0);
      expect(all(r)).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
      const sent = rig.server.chatRequests();
      expect(sent).toHaveLength(1);
      expect(sent[0]!.status).toBe(400);
      expect(sent[0]!.body.tool_choice).toBe("auto");
      pristineTools = sent[0]!.body.tools.length;
      expect(pristineTools).toBeGreaterThan(10);
      expect(all(r)).not.toContain(SECRET);
    },
    15 * MIN,
  );

  describe("the gate alone, in @openclaw/ai", () => {
    it(
      "patch --only vllm-tool-gate: @openclaw/ai applied, openclaw itself not-applicable with the reason; verify 0",
      async () => {
        // The built-in patches with the fake server's origin as a gated endpoint.
        const config = path.join(rig.work, "gate.config.ts");
        await writeFile(config, `export default { vllm: { endpoints: ${JSON.stringify([rig.server.url])} } };\n`);
        const r = await clawmend(["patch", "--root", rig.copy, "--only", "vllm-tool-gate", "--config", config, "--json"]);
        expect(r.code, all(r)).toBe(0);
        expect(statuses(r.stdout)).toEqual({ "openclaw@2026.9.6": "not-applicable", "@openclaw/ai@2026.9.6": "applied" });
        expect(r.stdout).toContain("this version builds chat requests in @openclaw/ai (patched there)");
        expect(r.stdout).not.toContain("runtime-overlay");
        const v = await clawmend(["patch", "--root", rig.copy, "--verify", "--only", "vllm-tool-gate", "--config", config]);
        expect(v.code, all(v)).toBe(0);
      },
      15 * MIN,
    );

    it(
      "the reply arrives, no tools on the wire, one JSON log line from the gate",
      async () => {
        const r = await rig.agent();
        expect(r.code, all(r)).toBe(0);
        expectReplyWithoutTools(rig.server, r.stdout);
        const lines = r.stderr.split("\n").filter((l) => l.includes(STRIPPED));
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0]!)).toMatchObject({
          msg: "vllm_tool_payload_stripped",
          tools: pristineTools,
          endpoint: rig.server.url,
          provider: "vllm",
          model: "fake-model",
          removed: ["tools", "tool_choice"],
          source: "clawmend",
        });
        expect(all(r)).not.toContain(SECRET);
        // The gate fixed it, not an overlay: none is installed.
        expect(all(r)).not.toContain("clawmend_overlay_installed");
        expect(all(r)).not.toContain("tool_payload_sanitized");
      },
      15 * MIN,
    );
  });

  describe("the runtime overlay alone, at the undici fetch", () => {
    it(
      "patch --skip vllm-tool-gate (+ runtime-overlay-bin) applies the overlay to dist/index.js, dist/entry.js and openclaw.mjs",
      async () => {
        const config = writeConfig(rig.work, { endpoints: [rig.server.url] });
        const r = await clawmend(["patch", "--root", overlaid, "--skip", "vllm-tool-gate", "--config", config]);
        expect(r.code, all(r)).toBe(0);
        expect(r.stdout).toMatch(/runtime-overlay\s+applied\s+dist\/entry\.js:2, dist\/index\.js:2/);
        expect(r.stdout).toMatch(/runtime-overlay-bin\s+applied\s+openclaw\.mjs:2/);
        expect(r.stdout).not.toMatch(/vllm-tool-gate/);
      },
      40 * MIN,
    );

    it(
      "the reply through the overlay alone, tools stripped at the undici fetch; OPENCLAW_TRACE_VLLM_OUTBOUND=1: trace lines with the issue's fields, no API key; bin + entry load one overlay",
      async () => {
        const r = await overlayTurn({ OPENCLAW_TRACE_VLLM_OUTBOUND: "1" });
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
          `undici.fetch:${path.join(overlaid, "node_modules", "undici", "index.js")}`,
        ]);
      },
      10 * MIN,
    );

    it(
      "OPENCLAW_STRICT_TOOL_PAYLOAD=1: the structured error instead, the server receives no tool payload",
      async () => {
        const r = await overlayTurn({ OPENCLAW_STRICT_TOOL_PAYLOAD: "1" });
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
  });
});

/**
 * The real openclaw 2026.9.6 (global-style install, Node 26): `openclaw agent --local --message
 * ping` against a server that validates like vLLM, without tool calling. There the payload
 * builder lives in the nested `@openclaw/ai` package (`buildOpenAICompletionsRequest` in
 * `dist/openai-completions-stream-*.mjs`), and model requests go out through the `undici`
 * package's own fetch with a dispatcher.
 *
 * One home (provider `gpu-box` at `127.0.0.2`, an address no setting names) and one server, and
 * one pristine proof for all of it: the learned gate's suite (`../overlay/learned-suite.ts`)
 * shows the failure first, on a fresh copy of the cached install before anything patched it, then
 * patches that copy with the built-in default. Then each fix alone, each on a fresh copy of the
 * same install, copied the same way, made when its block starts and removed when it ends:
 * - `--only vllm-tool-gate` with the server's origin as a gated endpoint (no runtime overlay, so
 *   the gate alone must fix it): the reply, no tool payload on the wire, one
 *   `vllm_tool_payload_stripped` line;
 * - `--skip vllm-tool-gate` (+ the bin spec): the reply through the overlay alone, whose trace and
 *   warning say which hook caught the request (`via: "undici.fetch"`), and its strict mode.
 * That with OPENCLAW_VLLM_TOOLCALL=1 and a tool-calling server every tool reaches the wire is the
 * learned suite's control (the default patch, gate and overlay included). Slow: each turn boots
 * the whole CLI.
 */
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin, statuses } from "../../support/cli.js";
import { agentTurn, allOutput as all, openclawCopy } from "../../support/openclaw-agent.js";
import { jsonLines, writeConfig } from "../../support/probes.js";
import { removeCopy } from "../../support/real-packages.js";
import type { RunResult } from "../../support/run.js";
import { expectReplyWithoutTools } from "../../support/vllm-assertions.js";
import { describeLearnedGate, KEY, PROVIDER } from "../overlay/learned-suite.js";

const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });

const MIN = 60_000;
const STRIPPED = '"vllm_tool_payload_stripped"';

/** A fresh copy of the install for one block, removed when the block ends. */
function useFreshCopy(): { copy: string } {
  const held = { copy: "" };
  beforeAll(async () => {
    held.copy = (await openclawCopy("2026.9.6", 26)).copy;
  }, 60 * MIN);
  afterAll(async () => {
    if (held.copy) await removeCopy(held.copy);
  });
  return held;
}

describeLearnedGate(
  {
    version: "2026.9.6",
    major: 26,
    catalogRefreshKey: true,
    // The unrelated-400 control and the re-check through the gateway run on 2026.2.26 (see `LearnedCase`).
    unrelatedRefusalControl: false,
    recheckThroughGateway: false,
    // This version fails the turn; one request, with an explicit tool_choice "auto".
    expectRejectedTurn(turn, chats) {
      expect(turn.code, all(turn)).not.toBe(0);
      expect(chats).toHaveLength(1);
      expect(chats[0]!.body.tool_choice).toBe("auto");
    },
  },
  ({ rig, pristineTools }) => {
    describe("each fix alone, agent --local against a vLLM without tool calling", () => {
      describe("the gate alone, in @openclaw/ai", () => {
        const gated = useFreshCopy();

        it(
          "patch --only vllm-tool-gate: @openclaw/ai applied, openclaw itself not-applicable with the reason; verify 0",
          async () => {
            // The built-in patches with the fake server's origin as a gated endpoint.
            const config = path.join(rig.work, "gate.config.ts");
            await writeFile(config, `export default { vllm: { endpoints: ${JSON.stringify([rig.server.url])} } };\n`);
            const r = await clawmend(["patch", "--root", gated.copy, "--only", "vllm-tool-gate", "--config", config, "--json"]);
            expect(r.code, all(r)).toBe(0);
            expect(statuses(r.stdout)).toEqual({ "openclaw@2026.9.6": "not-applicable", "@openclaw/ai@2026.9.6": "applied" });
            expect(r.stdout).toContain("this version builds chat requests in @openclaw/ai (patched there)");
            expect(r.stdout).not.toContain("runtime-overlay");
            const v = await clawmend(["patch", "--root", gated.copy, "--verify", "--only", "vllm-tool-gate", "--config", config]);
            expect(v.code, all(v)).toBe(0);
          },
          15 * MIN,
        );

        it(
          "the reply arrives, no tools on the wire, one JSON log line from the gate",
          async () => {
            rig.server.requests.length = 0;
            const r = await agentTurn(rig.node, gated.copy, rig.home, {}, 12 * MIN);
            expect(r.code, all(r)).toBe(0);
            expectReplyWithoutTools(rig.server, r.stdout);
            const lines = r.stderr.split("\n").filter((l) => l.includes(STRIPPED));
            expect(lines).toHaveLength(1);
            expect(JSON.parse(lines[0]!)).toMatchObject({
              msg: "vllm_tool_payload_stripped",
              tools: pristineTools(),
              endpoint: rig.server.url,
              provider: PROVIDER,
              model: "fake-model",
              removed: ["tools", "tool_choice"],
              source: "clawmend",
            });
            expect(all(r)).not.toContain(KEY);
            // The gate fixed it, not an overlay: none is installed.
            expect(all(r)).not.toContain("clawmend_overlay_installed");
            expect(all(r)).not.toContain("tool_payload_sanitized");
          },
          15 * MIN,
        );
      });

      describe("the runtime overlay alone, at the undici fetch", () => {
        const overlaid = useFreshCopy();
        /** One turn of the overlay-only copy, with the rig's home and server. */
        const overlayTurn = (extra: NodeJS.ProcessEnv = {}): Promise<RunResult> => {
          rig.server.requests.length = 0;
          return agentTurn(rig.node, overlaid.copy, rig.home, extra, 12 * MIN);
        };

        it(
          "patch --skip vllm-tool-gate (+ runtime-overlay-bin) applies the overlay to dist/index.js, dist/entry.js and openclaw.mjs",
          async () => {
            const config = writeConfig(rig.work, { endpoints: [rig.server.url] });
            const r = await clawmend(["patch", "--root", overlaid.copy, "--skip", "vllm-tool-gate", "--config", config]);
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
            expect(chats[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
            // … and never reaches a log line.
            expect(all(r)).not.toContain(KEY);
            expect(JSON.stringify(traces)).not.toMatch(/authorization|bearer|sk-/i);
            // One overlay for the whole process, although the bin and dist/entry.js both import it,
            // with the undici hook on the copy 2026.9.6 really uses.
            const installed = lines.filter((l) => l.msg === "clawmend_overlay_installed");
            expect(installed).toHaveLength(1);
            expect(installed[0]!.fetch_hooks).toEqual([
              "globalThis.fetch",
              `undici.fetch:${path.join(overlaid.copy, "node_modules", "undici", "index.js")}`,
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
            expect(all(r)).not.toContain(KEY);
          },
          10 * MIN,
        );
      });
    });
  },
);

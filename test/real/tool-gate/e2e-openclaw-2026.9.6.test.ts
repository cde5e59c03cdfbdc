/**
 * Real end to end on openclaw 2026.9.6 (Node 26): the real `openclaw agent --local --message
 * ping` of a copy of a global-style install, against a server that validates like vLLM. There
 * the payload builder lives in the nested `@openclaw/ai` package (`buildOpenAICompletionsRequest`
 * in `dist/openai-completions-stream-*.mjs`). The pristine copy sends tools with an explicit
 * `tool_choice: "auto"` and gets vLLM's 400 (so this test can fail); the copy patched with
 * `--only vllm-tool-gate` (no runtime overlay, so the gate alone must fix it) gets the reply with
 * no tool payload on the wire and one `vllm_tool_payload_stripped` line. That with
 * OPENCLAW_VLLM_TOOLCALL=1 and a tool-calling server every tool reaches the wire is the learned
 * gate's control on this version (`../overlay/learned-suite.ts`: the default patch, this gate
 * included). Slow (each agent turn boots the whole CLI).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allOutput as all, useAgentRig } from "../../support/openclaw-agent.js";
import { expectReplyWithoutTools } from "../../support/vllm-assertions.js";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";
import os from "node:os";
import { runBin, statuses } from "../../support/cli.js";

const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });

const MIN = 60_000;
const STRIPPED = '"vllm_tool_payload_stripped"';

const rig = useAgentRig({ version: "2026.9.6", major: 26, workPrefix: "clawmend-toolgate-e2e-", turnTimeoutMs: 12 * MIN });
let pristineTools = 0;

describe("openclaw 2026.9.6: agent --local against a vLLM without tool calling, gate in @openclaw/ai", () => {
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
    },
    15 * MIN,
  );

  it(
    "patch --only vllm-tool-gate: @openclaw/ai applied, openclaw itself not-applicable with the reason; verify 0",
    async () => {
      // The built-in patches (runtime-overlay-bin is one of them now, so ../overlay/support.ts's
      // writeOverlayConfig would add it twice) with the fake server's origin as a gated endpoint.
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
    "patched copy: the reply arrives, no tools on the wire, one JSON log line from the gate",
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
      expect(lines[0]).not.toContain("sk-clawmend-test-dummy");
      // The gate fixed it, not an overlay: none is installed.
      expect(all(r)).not.toContain("clawmend_overlay_installed");
      expect(all(r)).not.toContain("tool_payload_sanitized");
    },
    15 * MIN,
  );
});

/**
 * The vLLM tool gate's edits, before and after (the fixture harness checks every case's sites,
 * decoys and idempotence; these show a human what the edit is, and pin its messages).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import type { PatchSpec } from "../../src/core/spec.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { TOOL_GATE } from "../../src/patches/builtin/vllm-tool-gate/spec.js";
import { runCli } from "../support/cli.js";
import { editedLines, PATCH_FIXTURES, planCase } from "../support/patch-fixtures.js";
import { writeTree } from "../support/tree.js";

const spec = builtinPatches(defaultSettings()).find((s) => s.id === "vllm-tool-gate") as PatchSpec;
const fixture = (file: string) => readFileSync(join(PATCH_FIXTURES, "vllm-tool-gate", file), "utf8");
const patched = (file: string) => planCase({ spec, file }, fixture(file)).output!;
const outcomeOf = (file: string, code = fixture(file)) => planCase({ spec, file }, code).outcomes[0]!;

describe("vllm-tool-gate, before and after", () => {
  it("pi-ai buildParams: its return is passed through the gate with the model; convertMessages' `return params;` is not", () => {
    expect(editedLines(fixture("pi-ai-3-params.js"), patched("pi-ai-3-params.js"))).toMatchInlineSnapshot(`
      "-   return params;
      +   return /*@clawmend vllm-tool-gate@2*/__clawmend_vllmToolGate(params, model);
      + __clawmend_vllmToolGate(…) { … } (declared once, at the end)"
    `);
    expect(patched("pi-ai-3-params.js").trimEnd().endsWith("//# sourceMappingURL=openai-completions.js.map")).toBe(true);
  });

  it("buildParams with defaults: both own returns, none of its nested functions'", () => {
    expect(editedLines(fixture("pi-ai-5-params.js"), patched("pi-ai-5-params.js"))).toMatchInlineSnapshot(`
      "-   if (!context) return { model: model.id, messages: [] };
      +   if (!context) return /*@clawmend vllm-tool-gate@2*/__clawmend_vllmToolGate({ model: model.id, messages: [] }, model);
      -   return params;
      +   return /*@clawmend vllm-tool-gate@2*/__clawmend_vllmToolGate(params, model);
      + __clawmend_vllmToolGate(…) { … } (declared once, at the end)"
    `);
  });

  it("an arrow builder's expression body", () => {
    expect(editedLines(fixture("arrow-builder.mjs"), patched("arrow-builder.mjs"))).toMatchInlineSnapshot(`
      "- export const buildOpenAICompletionsParams = (model, context, options) => ({ // MUST
      + export const buildOpenAICompletionsParams = (model, context, options) => (/*@clawmend vllm-tool-gate@2*/__clawmend_vllmToolGate({ // MUST
      - });
      + }, model));
      + __clawmend_vllmToolGate(…) { … } (declared once, at the end)"
    `);
  });

  it("a pass-through to a request builder of the same file: only the request builder", () => {
    expect(editedLines(fixture("delegating-pair.mjs"), patched("delegating-pair.mjs"))).toMatchInlineSnapshot(`
      "- 	return params;
      + 	return /*@clawmend vllm-tool-gate@2*/__clawmend_vllmToolGate(params, model);
      + __clawmend_vllmToolGate(…) { … } (declared once, at the end)"
    `);
  });

  it("minified comma returns keep their meaning", () => {
    expect(editedLines(fixture("comma-return.js"), patched("comma-return.js"))).toMatchInlineSnapshot(`
      "- function buildParams(e,t,n){let r={model:e.id,messages:t.messages,tools:t.tools};if(n?.toolChoice)return(r.tool_choice=n.toolChoice,r);return r} // MUST
      + function buildParams(e,t,n){let r={model:e.id,messages:t.messages,tools:t.tools};if(n?.toolChoice)return(/*@clawmend vllm-tool-gate@2*/__clawmend_vllmToolGate((r.tool_choice=n.toolChoice,r), e));return /*@clawmend vllm-tool-gate@2*/__clawmend_vllmToolGate(r, e)} // MUST
      + __clawmend_vllmToolGate(…) { … } (declared once, at the end)"
    `);
  });

  it("two builders in one CJS file: one helper, after the directive", () => {
    const out = patched("two-builders.cjs");
    expect(out.split(`function ${TOOL_GATE.name}(params, model)`)).toHaveLength(2);
    expect(out.startsWith('"use strict";\n')).toBe(true);
  });
});

describe("vllm-tool-gate refuses what it cannot be sure of", () => {
  it("a destructured first parameter, with the reason", () => {
    expect(outcomeOf("pattern-param.js").ambiguous).toBe(
      "buildParams() at dist/pattern-param.js:2: its first parameter is a ObjectPattern, not a plain name, so the model cannot be passed to the gate",
    );
  });

  it("a first parameter shadowed at a return: never passes the wrong value", () => {
    expect(outcomeOf("shadowed-param.js").ambiguous).toBe(
      "buildParams() at dist/shadowed-param.js:2: `model` is shadowed at the return on line 6",
    );
  });

  it("a file that never names a builder is not even parsed (exact prefilter)", () => {
    const plan = planCase({ spec, file: "x.js" }, "this is not JavaScript { but holds no builder name");
    expect(plan.outcomes).toEqual([]);
    expect(plan.parseError).toBeUndefined();
  });

  it("a file that already declares the helper gets no second declaration", () => {
    const once = patched("pi-ai-3-params.js");
    const unwrapped = once.replace(/\/\*@clawmend vllm-tool-gate@\d+\*\/__clawmend_vllmToolGate\(params, model\)/, "params");
    const again = planCase({ spec, file: "pi-ai-3-params.js" }, unwrapped).output!;
    expect(again.split(`function ${TOOL_GATE.name}(params, model)`)).toHaveLength(2);
  });
});

describe("vllm-tool-gate selects every builder chunk of a version", () => {
  it("@openclaw/ai 2026.8.x: its transport and the vendored pi-ai chunk (found by npm run sweep)", async () => {
    const root = writeTree({
      "package.json": JSON.stringify({ name: "@openclaw/ai", version: "2026.8.2", type: "module" }),
      "dist/transports.mjs": fixture("delegating-pair.mjs").replace(/ \/\/ MUST.*$/gm, ""),
      "dist/openai-completions-Ab12Cd34.mjs": fixture("vendored-provider-chunk.mjs"),
    });
    const result = await runCli(["patch", "--json", "--root", root], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { copies: Array<{ patches: Array<{ patch: string; files: Array<{ file: string }> }> }> };
    const gate = report.copies[0]!.patches.find((p) => p.patch === "vllm-tool-gate")!;
    expect(gate.files.map((f) => f.file)).toEqual(["dist/openai-completions-Ab12Cd34.mjs", "dist/transports.mjs"]);
  });
});

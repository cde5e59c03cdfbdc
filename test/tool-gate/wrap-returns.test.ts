import { describe, expect, it } from "vitest";
import { parseProgram, isParseFailure } from "../../src/transforms/parse.js";
import { TOOL_GATE_HELPER } from "../../src/patches/runtime/sources.js";
import { MARKER, fixture, gate, isInsertOnly, outcome } from "./helpers.js";

const CALL = `${MARKER}${TOOL_GATE_HELPER}(`;

function patchedText(file: string, name = `dist/${file}`): string {
  const plan = gate(fixture(file), name);
  expect(plan.parseError).toBeUndefined();
  expect(plan.output).not.toBeNull();
  return plan.output!;
}

/** Patch, then prove: the output parses, re-running finds only `already` sites and edits nothing. */
function expectIdempotent(file: string): void {
  const name = `dist/${file}`;
  const first = gate(fixture(file), name);
  const again = gate(first.output!, name);
  expect(again.parseError).toBeUndefined();
  expect(again.output).toBeNull();
  const o = outcome(again);
  expect(o.ambiguous).toBeUndefined();
  expect(o.sites.length).toBe(outcome(first).sites.length);
  expect(o.sites.every((s) => s.state === "already")).toBe(true);
}

function helperDeclarations(text: string): number {
  return text.split(`function ${TOOL_GATE_HELPER}(params, model)`).length - 1;
}

describe("must patch", () => {
  it("pi-ai buildParams(model, context, options): the one return, not the convertMessages decoy", () => {
    const out = patchedText("pi-ai-3-params.js");
    const o = outcome(gate(fixture("pi-ai-3-params.js")));
    expect(o.sites).toEqual([{ line: 18, column: 0, state: "patched", what: "1 return value(s) of buildParams(model, …)" }]);
    expect(out).toContain(`  return ${CALL}params, model);\n}\n\nfunction hasToolHistory`);
    // convertMessages also ends with `return params;` and stays as it was.
    expect(out).toMatch(
      /params\.push\(\{ role: msg\.role === "toolResult" \? "tool" : msg\.role, content: msg\.content \}\);\n  }\n  return params;\n}/,
    );
    expect(out.split(CALL).length - 1).toBe(1);
    expect(helperDeclarations(out)).toBe(1);
    // The helper goes before the trailing source map comment, which stays last.
    expect(out.trimEnd().endsWith("//# sourceMappingURL=openai-completions.js.map")).toBe(true);
    expect(isInsertOnly(fixture("pi-ai-3-params.js"), out)).toBe(true);
  });

  it("buildParams with defaults (compat = getCompat(model)): every own return, no nested one", () => {
    const out = patchedText("pi-ai-5-params.js");
    expect(out).toContain(`if (!context) return ${CALL}{ model: model.id, messages: [] }, model);`);
    expect(out).toContain(`  params.cache = new Cache().key();\n  return ${CALL}params, model);`);
    // Returns of the nested function expression, class method and arrow stay as they were.
    expect(out).toContain("    return list.filter(Boolean);");
    expect(out).toContain("      return cacheRetention;");
    expect(out).toContain('    return tools.map((t) => ({ type: "function", function: t }));');
    // The other functions of the file (convertMessages ends with `return params;`) are untouched.
    expect(out).toContain('  if (compat.supportsStore) params.unshift({ role: "system", content: "" });\n  return params;\n}');
    expect(out.split(CALL).length - 1).toBe(2);
    expect(outcome(gate(fixture("pi-ai-5-params.js"))).sites).toHaveLength(1);
  });

  it("an arrow builder with an expression body", () => {
    const out = patchedText("arrow-builder.mjs");
    expect(out).toContain(`export const buildOpenAICompletionsParams = (model, context, options) => (${CALL}{\n  model: model.id,`);
    expect(out).toContain("  ...(options?.toolChoice ? { tool_choice: options.toolChoice } : {}),\n}, model));\n");
    // The other arrow (toolList) is not a target.
    expect(out).toContain("const toolList = (context) => (context.tools ?? []).map(");
  });

  it("a pass-through to the request builder in the same file: only the request builder is wrapped", () => {
    const out = patchedText("delegating-pair.mjs");
    expect(out).toContain('\treturn buildOpenAICompletionsRequest(model, context, options, { mode: "managed" });');
    expect(out).toContain(`\treturn ${CALL}params, model);`);
    const o = outcome(gate(fixture("delegating-pair.mjs")));
    expect(o.sites.map((s) => s.what)).toEqual(["1 return value(s) of buildOpenAICompletionsRequest(model, …)"]);
  });

  it("two builders in one CJS file (two chunk graphs): two sites, one helper declaration", () => {
    const plan = gate(fixture("two-builders.cjs"), "dist/x.cjs");
    expect(outcome(plan).sites.map((s) => [s.line, s.state])).toEqual([
      [3, "patched"],
      [10, "patched"],
    ]);
    expect(helperDeclarations(plan.output!)).toBe(1);
    expect(plan.output!.startsWith('"use strict";\n')).toBe(true);
  });

  it("minified comma returns keep their meaning", () => {
    const out = patchedText("comma-return.js");
    expect(out).toContain(`return(${CALL}(r.tool_choice=n.toolChoice,r), e));return ${CALL}r, e)}`);
  });

  it.each(["pi-ai-3-params.js", "pi-ai-5-params.js", "arrow-builder.mjs", "delegating-pair.mjs", "two-builders.cjs", "comma-return.js"])(
    "%s: the output parses and re-running the patch on it edits nothing",
    (file) => {
      const out = patchedText(file);
      expect(isParseFailure(parseProgram(out, file.endsWith(".cjs") ? "cjs" : "esm"))).toBe(false);
      expectIdempotent(file);
    },
  );
});

describe("must not patch", () => {
  it("a thin wrapper that returns an imported builder's result (namespace or named import)", () => {
    const plan = gate(fixture("reexport-wrapper.mjs"));
    expect(plan.output).toBeNull();
    expect(outcome(plan).sites).toEqual([]);
    expect(outcome(plan).ambiguous).toBeUndefined();
  });

  it("a same-named function without parameters, and a same-named object method", () => {
    const plan = gate(fixture("no-params-decoy.js"));
    expect(plan.output).toBeNull();
    expect(outcome(plan).sites).toEqual([]);
  });

  it("a file that never names a builder is not even parsed (prefilter)", () => {
    const plan = gate("this is not JavaScript { but holds no builder name");
    expect(plan.outcomes).toEqual([]);
    expect(plan.parseError).toBeUndefined();
  });

  it("a destructured first parameter is ambiguous, with the reason", () => {
    const o = outcome(gate(fixture("pattern-param.js"), "dist/pattern-param.js"));
    expect(o.sites).toEqual([]);
    expect(o.ambiguous).toBe(
      "buildParams() at dist/pattern-param.js:1: its first parameter is a ObjectPattern, not a plain name, so the model cannot be passed to the gate",
    );
  });

  it("a first parameter shadowed at a return is ambiguous (never passes the wrong value)", () => {
    const plan = gate(fixture("shadowed-param.js"), "dist/shadowed.js");
    expect(plan.output).toBeNull();
    expect(outcome(plan).ambiguous).toBe("buildParams() at dist/shadowed.js:1: `model` is shadowed at the return on line 5");
  });

  it("the helper is not declared twice when the file already declares it", () => {
    const once = patchedText("pi-ai-3-params.js");
    // Remove the wrap but keep the declaration: the re-run wraps again without a second helper.
    const unwrapped = once.replace(`${CALL}params, model)`, "params");
    const again = gate(unwrapped, "dist/pi.js");
    expect(helperDeclarations(again.output!)).toBe(1);
  });
});

/**
 * Partial parse: for a large file, oxc (else acorn) locates the function bodies, those holding
 * nothing a transform reads are blanked (offsets and lines kept) and Babel parses the rest; a
 * file whose needles all lie in comments is not parsed further. It must decide exactly as a
 * whole parse, with every built-in patch at once, on every fixture; oxc and acorn must locate
 * the same bodies.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fg from "fast-glob";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { locateWithAcorn } from "../../src/transforms/locate-acorn.js";
import { withOxcParse } from "../../src/transforms/oxc-parse.js";
import { blankBodies } from "../../src/transforms/partial-text.js";
import { planFile, type FilePlan } from "../../src/transforms/plan.js";
import { formatOf, PATCH_FIXTURES } from "../support/patch-fixtures.js";
import { REPO } from "../support/paths.js";

const specs = builtinPatches(defaultSettings());
const GUARD = join(PATCH_FIXTURES, "network-interfaces-guard");
const guardOnly = specs.filter((spec) => spec.id === "network-interfaces-guard");

function planBoth(code: string, file: string, only = specs): { whole: FilePlan; partial: FilePlan } {
  const input = { code, file, format: formatOf(file), specs: only };
  return { whole: planFile({ ...input, parse: "whole" }), partial: planFile({ ...input, parse: "partial" }) };
}

/** What a plan decides: the edited text and every site of every spec. */
function decision(plan: FilePlan): unknown {
  return { output: plan.output, outcomes: plan.outcomes, parseError: plan.parseError };
}

const fixtureFiles = fg.sync(["fixtures/**/*.{js,mjs,cjs}"], { cwd: REPO, absolute: true }).sort();

describe("partial parse", () => {
  it("covers the fixtures it claims to", () => {
    expect(fixtureFiles.length).toBeGreaterThan(30);
  });

  it.each(fixtureFiles.map((f) => [relative(REPO, f), f]))("%s: every built-in at once decides exactly as a whole parse", (_name, path) => {
    const code = readFileSync(path, "utf8");
    const { whole, partial } = planBoth(code, path);
    expect(whole.parsed ?? "whole").toBe("whole");
    expect(decision(partial)).toEqual(decision(whole));
  });

  it.each(fixtureFiles.map((f) => [relative(REPO, f), f]))("%s: oxc locates the bodies acorn locates", (_name, path) => {
    const code = readFileSync(path, "utf8");
    const format = formatOf(path);
    const byAcorn = locateWithAcorn(code, format);
    const byOxc = withOxcParse(code, format, { earlyErrors: false }, (parsed) => parsed.functionBodies());
    expect(byOxc, "oxc parses every fixture").not.toBeNull();
    expect(byAcorn, "acorn parses every fixture").not.toBeNull();
    expect(byOxc).toEqual(byAcorn);
  });

  it("blanks what holds no needle and brings a body back for a followed name", () => {
    const code = readFileSync(join(GUARD, "partial-followed-names.mjs"), "utf8");
    const bodies = locateWithAcorn(code, "esm")!;
    const first = blankBodies(code, bodies, ["networkInterfaces", '"node:os"'], []);
    expect(first.text).toHaveLength(code.length);
    expect(first.text.split("\n")).toHaveLength(code.split("\n").length);
    // The alias's user and the decoy hold no needle: blanked on the first pass.
    expect(first.text).not.toContain("Object.values(listInterfaces())");
    expect(first.text).not.toContain("[listThem(), listInterfaces()");
    // Following the top-level alias brings its user back; the decoy's parameter of the same
    // name is another binding, but a name is matched as text: the decoy comes back too.
    const second = blankBodies(code, bodies, ["networkInterfaces", '"node:os"'], [{ name: "listInterfaces", start: 0, end: code.length }]);
    expect(second.text).toContain("Object.values(listInterfaces())");
    // A name followed only inside one function's scope brings nothing back outside it.
    const scoped = code.indexOf("export function aliasUsedInANestedFunction");
    const third = blankBodies(
      code,
      bodies,
      ["networkInterfaces", '"node:os"'],
      [{ name: "listThem", start: scoped, end: code.indexOf("export function unrelated") }],
    );
    expect(third.text).toContain("const table = listThem()");
    expect(third.text).not.toContain("[listThem(), listInterfaces()");
  });

  it("re-plans its own output from the partial output without parsing the whole file", () => {
    const code = readFileSync(join(GUARD, "partial-minified-chain.mjs"), "utf8");
    const first = planFile({ code, file: "dist/x.mjs", format: "esm", specs, parse: "partial" });
    expect(first.output).not.toBeNull();
    expect(first.partialOutput).toHaveLength(first.output!.length);
    const again = planFile({ code: first.output!, file: "dist/x.mjs", format: "esm", specs, partialText: first.partialOutput! });
    expect(again.parsed).toBe("partial");
    expect(again.output).toBeNull();
    expect(again.outcomes.flatMap((o) => o.sites).every((s) => s.state === "already")).toBe(true);
  });

  it("a file acorn cannot parse: located by oxc, decided as a whole parse decides", () => {
    // Babel's deprecated import-assertion syntax: acorn refuses it, oxc and Babel (with the plugin) read it.
    const code = `import data from "./d.json" assert { type: "json" };\nimport os from "os";\nexport const n = os.networkInterfaces();\n`;
    expect(locateWithAcorn(code, "esm")).toBeNull();
    const { whole, partial } = planBoth(code, "x.mjs");
    expect(partial.parsed).toBe("partial");
    expect(decision(partial)).toEqual(decision(whole));
    expect(whole.outcomes.flatMap((o) => o.sites)).not.toHaveLength(0);
  });

  it("falls back to a whole parse when neither oxc nor acorn parses the file", () => {
    // An HTML-like comment: allowed in a script (Annex B), an error in a module for all three parsers.
    const code = `import os from "os";\n<!-- networkInterfaces\nexport const n = os.networkInterfaces();\n`;
    expect(locateWithAcorn(code, "esm")).toBeNull();
    expect(withOxcParse(code, "esm", { earlyErrors: false }, () => true)).toBeNull();
    const { whole, partial } = planBoth(code, "x.mjs");
    expect(partial.parsed).toBeUndefined();
    expect(decision(partial)).toEqual(decision(whole));
    expect(whole.parseError).toBeDefined();
  });

  it("a file whose needles all lie in comments is not parsed further, and decides as a whole parse", () => {
    const code = `import os from "node:os";\n/** Lists networkInterfaces() of the host. */\nexport function list() {\n  // os.networkInterfaces is not called here\n  return os.hostname();\n}\n`;
    const { whole, partial } = planBoth(code, "x.mjs", guardOnly);
    expect(partial.parsed).toBe("comments");
    expect(decision(partial)).toEqual(decision(whole));
    // The same needle once in code: parsed, and the site found.
    const inCode = `${code}export const all = () => os.networkInterfaces(); // networkInterfaces\n`;
    const both = planBoth(inCode, "x.mjs", guardOnly);
    expect(both.partial.parsed).toBe("partial");
    expect(both.whole.outcomes.flatMap((o) => o.sites)).not.toHaveLength(0);
    expect(decision(both.partial)).toEqual(decision(both.whole));
    // The fixtures: comments only (not parsed), and code a comment-guessing lexer would hide (parsed, every site).
    const onlyComments = readFileSync(join(GUARD, "comments-only.mjs"), "utf8");
    expect(planBoth(onlyComments, "x.mjs", guardOnly).partial.parsed).toBe("comments");
    const lookalikes = planBoth(readFileSync(join(GUARD, "comment-lookalikes.mjs"), "utf8"), "x.mjs", guardOnly);
    expect(lookalikes.partial.parsed).toBe("partial");
    expect(lookalikes.partial.outcomes.flatMap((o) => o.sites)).toHaveLength(5);
  });

  it("an early error Babel reports is not skipped for its comments (oxc reports it too)", () => {
    // The needle only in a comment, and a redeclaration: Babel refuses the file, so must the plan.
    const code = `// networkInterfaces\nlet a = 1;\nlet a = 2;\n`;
    const { whole, partial } = planBoth(code, "x.mjs", guardOnly);
    expect(whole.parseError).toBeDefined();
    expect(partial.parsed).not.toBe("comments");
    expect(decision(partial)).toEqual(decision(whole));
  });
});

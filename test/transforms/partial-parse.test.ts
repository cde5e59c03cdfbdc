/**
 * Partial parse: for a large file, acorn locates the function bodies, those holding nothing a
 * transform reads are blanked (offsets and lines kept) and Babel parses the rest. It must
 * decide exactly as a whole parse, with every built-in patch at once, on every fixture.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fg from "fast-glob";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { blankBodies, locateFunctionBodies } from "../../src/transforms/partial-text.js";
import { planFile, type FilePlan } from "../../src/transforms/plan.js";
import { formatOf, PATCH_FIXTURES } from "../support/patch-fixtures.js";
import { REPO } from "../support/paths.js";

const specs = builtinPatches(defaultSettings());
const GUARD = join(PATCH_FIXTURES, "network-interfaces-guard");

function planBoth(code: string, file: string): { whole: FilePlan; partial: FilePlan } {
  const input = { code, file, format: formatOf(file), specs };
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

  it("blanks what holds no needle and brings a body back for a followed name", () => {
    const code = readFileSync(join(GUARD, "partial-followed-names.mjs"), "utf8");
    const bodies = locateFunctionBodies(code, "esm")!;
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

  it("falls back to a whole parse when acorn cannot parse the file", () => {
    // Babel's deprecated import-assertion syntax: acorn refuses it, Babel (with the plugin) reads it.
    const code = `import data from "./d.json" assert { type: "json" };\nimport os from "os";\nexport const n = os.networkInterfaces();\n`;
    const { whole, partial } = planBoth(code, "x.mjs");
    expect(partial.parsed).toBe("whole");
    expect(decision(partial)).toEqual(decision(whole));
    expect(whole.outcomes.flatMap((o) => o.sites)).not.toHaveLength(0);
  });
});

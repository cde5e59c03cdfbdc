import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fg from "fast-glob";
import { describe, expect, it } from "vitest";
import { resolveVllmSettings } from "../../src/config/settings.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { blankBodies, locateFunctionBodies } from "../../src/transforms/locate.js";
import { planFile, type FilePlan } from "../../src/transforms/plan.js";
import { annotations, formatOf, REPO } from "../network-guard/helpers.js";

const settings = { vllm: resolveVllmSettings({}) };
const specs = builtinPatches();

function planBoth(code: string, file: string): { whole: FilePlan; partial: FilePlan } {
  const input = { code, file, format: formatOf(file), specs, settings };
  return { whole: planFile({ ...input, parse: "whole" }), partial: planFile({ ...input, parse: "partial" }) };
}

/** What a plan decides: the edited text and every site of every spec. */
function decision(plan: FilePlan): unknown {
  return { output: plan.output, outcomes: plan.outcomes, parseError: plan.parseError };
}

const fixtureFiles = fg.sync(["fixtures/{partial-parse,network-guard,tool-gate}/**/*.{js,mjs,cjs}"], { cwd: REPO, absolute: true }).sort();

describe("partial parse (acorn locates bodies, Babel parses the rest)", () => {
  it("covers the fixtures it claims to", () => {
    expect(fixtureFiles.length).toBeGreaterThan(20);
  });

  it.each(fixtureFiles.map((f) => [relative(REPO, f), f]))("%s: decides exactly as a whole parse", (_name, path) => {
    const code = readFileSync(path, "utf8");
    const { whole, partial } = planBoth(code, path);
    expect(whole.parsed).toBe("whole");
    expect(partial.parsed).toBe("partial");
    expect(decision(partial)).toEqual(decision(whole));
  });

  it.each(fg.sync(["fixtures/partial-parse/*.mjs"], { cwd: REPO, absolute: true }).map((f) => [relative(REPO, f), f]))(
    "%s: patches its MUST lines and no decoy, though the site's function mentions no needle",
    (_name, path) => {
      const code = readFileSync(path, "utf8");
      const { partial } = planBoth(code, path);
      const lines = partial.outcomes.filter((o) => !o.specId.startsWith("runtime-overlay")).flatMap((o) => o.sites.map((s) => s.line));
      const { must, mustNot } = annotations(code);
      expect(must.size).toBeGreaterThan(0);
      for (const [line, count] of must) expect(lines.filter((l) => l === line)).toHaveLength(count);
      for (const line of mustNot) expect(lines).not.toContain(line);
    },
  );

  it("blanks what holds no needle and brings a body back for a followed name", () => {
    const path = join(REPO, "fixtures/partial-parse/followed-names.mjs");
    const code = readFileSync(path, "utf8");
    const bodies = locateFunctionBodies(code, "esm")!;
    const first = blankBodies(code, bodies, ["networkInterfaces", '"node:os"'], []);
    expect(first.text).toHaveLength(code.length);
    expect(first.text.split("\n")).toHaveLength(code.split("\n").length);
    // The alias's user and the decoy hold no needle: blanked on the first pass.
    expect(first.text).not.toContain("Object.values(listInterfaces())");
    expect(first.text).not.toContain("[listThem(), listInterfaces()");
    // Following the top-level alias brings its user back; the decoy's parameter of the same
    // name is another binding, but a name is matched as text: the decoy comes back too.
    const followed = [{ name: "listInterfaces", start: 0, end: code.length }];
    const second = blankBodies(code, bodies, ["networkInterfaces", '"node:os"'], followed);
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
    const path = join(REPO, "fixtures/partial-parse/minified-chain.mjs");
    const code = readFileSync(path, "utf8");
    const first = planFile({ code, file: path, format: "esm", specs, settings, parse: "partial" });
    expect(first.output).not.toBeNull();
    expect(first.partialOutput).toHaveLength(first.output!.length);
    const again = planFile({ code: first.output!, file: path, format: "esm", specs, settings, partialText: first.partialOutput! });
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

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, HELPER, MARKER, annotations, isSubsequence, nodeCheck, plan, sitesOf, unprunedSpec } from "./helpers.js";

const FORMS = join(FIXTURES, "forms");
const files = readdirSync(FORMS)
  .filter((f) => /\.(m|c)?js$/.test(f) && f !== "decoys.mjs")
  .sort();

describe.each(files)("network-interfaces-guard on %s", (file) => {
  const code = readFileSync(join(FORMS, file), "utf8");
  const { must, mustNot } = annotations(code);
  const result = plan(code, file);
  const sites = sitesOf(result);
  const output = result.output ?? "";
  const inLines = code.split("\n");
  const outLines = output.split("\n");

  it("patches exactly the MUST lines, as often as marked", () => {
    expect(result.parseError).toBeUndefined();
    expect(sites.every((s) => s.state === "patched")).toBe(true);
    const got = new Map<number, number>();
    for (const s of sites) got.set(s.line, (got.get(s.line) ?? 0) + 1);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(must));
    for (const line of must.keys()) {
      expect(outLines[line - 1]!.split(MARKER).length - 1, `line ${line}`).toBe(must.get(line));
    }
  });

  it("leaves every MUST-NOT line byte-identical and only inserts text", () => {
    for (const line of mustNot) expect(outLines[line - 1], `line ${line}`).toBe(inLines[line - 1]);
    expect(isSubsequence(code, output)).toBe(true);
  });

  it("emits the helper once and passes node --check", () => {
    expect(output.split(`function ${HELPER}(`).length - 1).toBe(1);
    const check = nodeCheck(output, file);
    expect(check.stderr).toBe("");
    expect(check.ok).toBe(true);
  });

  it("is idempotent: re-running on the output changes nothing and finds every site already patched", () => {
    const again = plan(output, file);
    expect(again.output).toBeNull();
    const already = sitesOf(again);
    expect(already.map((s) => s.state)).toEqual(sites.map(() => "already"));
    expect(already.map((s) => [s.line, s.column])).toEqual(
      sites.map((s) => [s.line, s.column + MARKER.length + HELPER.length + 1]).map(([l], i) => [l, already[i]!.column]),
    );
  });

  it("gives the same result with scopes resolved on the whole program (no pruning)", () => {
    expect(plan(code, file, unprunedSpec).output).toBe(result.output);
  });
});

describe("decoys", () => {
  it("no site and no byte changed when nothing is node:os networkInterfaces", () => {
    const code = readFileSync(join(FORMS, "decoys.mjs"), "utf8");
    for (const spec of [undefined, unprunedSpec]) {
      const result = plan(code, "decoys.mjs", spec);
      expect(sitesOf(result)).toEqual([]);
      expect(result.output).toBeNull();
    }
  });

  it("a file without the export name is never parsed (exact prefilter)", () => {
    const result = plan('import os from "node:os"; os.hostname(', "broken.mjs");
    expect(result.parseError).toBeUndefined();
    expect(result.outcomes).toEqual([]);
  });

  it("a file without an os specifier is not traversed", () => {
    const result = plan("export const f = (o) => o.networkInterfaces();", "x.mjs");
    expect(sitesOf(result)).toEqual([]);
    expect(result.output).toBeNull();
  });
});

describe("edits, before and after", () => {
  it("F1, F3, F4 and a shorthand property", () => {
    const code = [
      'import os from "node:os";',
      'import { networkInterfaces } from "os";',
      "const a = os.networkInterfaces();",
      "function f(read = os.networkInterfaces) { return read(); }",
      "const deps = { networkInterfaces: os.networkInterfaces, named: { networkInterfaces } };",
      "",
    ].join("\n");
    const out = plan(code, "x.mjs").output!;
    expect(out.slice(0, out.indexOf(`\n${MARKER}\nfunction`))).toMatchInlineSnapshot(`
      "import os from "node:os";
      import { networkInterfaces } from "os";
      const a = /*@clawpatch network-interfaces-guard@1*/__clawpatch_guardNetworkInterfaces(os.networkInterfaces, os)();
      function f(read = /*@clawpatch network-interfaces-guard@1*/__clawpatch_guardNetworkInterfaces(os.networkInterfaces, os)) { return read(); }
      const deps = { networkInterfaces: /*@clawpatch network-interfaces-guard@1*/__clawpatch_guardNetworkInterfaces(os.networkInterfaces, os), named: { networkInterfaces: /*@clawpatch network-interfaces-guard@1*/__clawpatch_guardNetworkInterfaces(networkInterfaces, void 0) } };"
    `);
  });

  it("keeps a shebang first and puts the helper before a trailing source map comment", () => {
    const code = '#!/usr/bin/env node\nimport os from "node:os";\nos.networkInterfaces();\n//# sourceMappingURL=entry.js.map\n';
    const out = plan(code, "entry.js").output!;
    expect(out.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(out.endsWith("}\n//# sourceMappingURL=entry.js.map\n")).toBe(true);
    expect(nodeCheck(out, "entry.mjs").ok).toBe(true);
  });

  it("writes to the export and re-exports are not uses", () => {
    const code =
      'import os from "node:os";\nos.networkInterfaces = () => ({});\ndelete os.networkInterfaces;\nexport { networkInterfaces } from "node:os";\n';
    expect(sitesOf(plan(code, "x.mjs"))).toEqual([]);
  });

  it("a helper already declared in the file is not declared again", () => {
    const once = plan('import os from "node:os";\nexport const a = os.networkInterfaces();\n', "x.mjs").output!;
    const twice = plan(`${once}export const b = () => os.networkInterfaces;\n`, "x.mjs");
    expect(sitesOf(twice).map((s) => s.state)).toEqual(["already", "patched"]);
    expect(twice.output!.split(`function ${HELPER}(`).length - 1).toBe(1);
  });
});

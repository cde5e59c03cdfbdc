/**
 * The network guard's edits, before and after, and the shapes that are not uses. The fixture
 * harness checks every case; here also: scopes resolved on the whole program agree with the
 * pruned resolution on every case.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PatchSpec } from "../../src/core/spec.js";
import { NETWORK_GUARD, networkInterfacesGuard } from "../../src/patches/builtin/network-interfaces-guard/spec.js";
import { wrapBuiltinExport } from "../../src/transforms/wrap-builtin-export.js";
import { editedLines, nodeCheck, PATCH_FIXTURES, planCase } from "../support/patch-fixtures.js";

const spec = networkInterfacesGuard as PatchSpec;
const unpruned: PatchSpec = {
  ...spec,
  transform: wrapBuiltinExport({
    module: "os",
    exportName: "networkInterfaces",
    helperName: NETWORK_GUARD.name,
    helperSource: NETWORK_GUARD.source,
    prune: false,
  }),
};
const plan = (code: string, file = "x.mjs", s = spec) => planCase({ spec: s, file }, code);
const sites = (code: string, file = "x.mjs") => plan(code, file).outcomes.flatMap((o) => o.sites);

describe("network-interfaces-guard, before and after", () => {
  it("F1, F3, F4 and a shorthand property", () => {
    const code = [
      'import os from "node:os";',
      'import { networkInterfaces } from "os";',
      "const a = os.networkInterfaces();",
      "function f(read = os.networkInterfaces) { return read(); }",
      "const deps = { networkInterfaces: os.networkInterfaces, named: { networkInterfaces } };",
      "",
    ].join("\n");
    expect(editedLines(code, plan(code).output!)).toMatchInlineSnapshot(`
      "- const a = os.networkInterfaces();
      + const a = /*@clawmend network-interfaces-guard@2*/__clawmend_guardNetworkInterfaces(os.networkInterfaces, os)();
      - function f(read = os.networkInterfaces) { return read(); }
      + function f(read = /*@clawmend network-interfaces-guard@2*/__clawmend_guardNetworkInterfaces(os.networkInterfaces, os)) { return read(); }
      - const deps = { networkInterfaces: os.networkInterfaces, named: { networkInterfaces } };
      + const deps = { networkInterfaces: /*@clawmend network-interfaces-guard@2*/__clawmend_guardNetworkInterfaces(os.networkInterfaces, os), named: { networkInterfaces: /*@clawmend network-interfaces-guard@2*/__clawmend_guardNetworkInterfaces(networkInterfaces, void 0) } };
      + __clawmend_guardNetworkInterfaces(…) { … } (declared once, at the end)"
    `);
  });

  it("keeps a shebang first and puts the helper before a trailing source map comment", () => {
    const code = '#!/usr/bin/env node\nimport os from "node:os";\nos.networkInterfaces();\n//# sourceMappingURL=entry.js.map\n';
    const out = plan(code, "entry.js").output!;
    expect(out.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(out.endsWith("}\n//# sourceMappingURL=entry.js.map\n")).toBe(true);
    expect(nodeCheck(out, "entry.mjs").ok).toBe(true);
  });
});

describe("network-interfaces-guard: not uses", () => {
  it("writes to the export and re-exports", () => {
    expect(
      sites(
        'import os from "node:os";\nos.networkInterfaces = () => ({});\ndelete os.networkInterfaces;\nexport { networkInterfaces } from "node:os";\n',
      ),
    ).toEqual([]);
  });

  it("a file without the export name is never parsed (exact prefilter)", () => {
    const result = plan('import os from "node:os"; os.hostname(');
    expect(result.parseError).toBeUndefined();
    expect(result.outcomes).toEqual([]);
  });

  it("a file without an os specifier is not traversed", () => {
    expect(sites("export const f = (o) => o.networkInterfaces();")).toEqual([]);
  });

  it("a helper already declared in the file is not declared again", () => {
    const once = plan('import os from "node:os";\nexport const a = os.networkInterfaces();\n').output!;
    const twice = plan(`${once}export const b = () => os.networkInterfaces;\n`);
    expect(twice.outcomes.flatMap((o) => o.sites).map((s) => s.state)).toEqual(["already", "patched"]);
    expect(twice.output!.split(`function ${NETWORK_GUARD.name}(`)).toHaveLength(2);
  });

  it("leaves OpenClaw's hashed worker bundles alone", () => {
    expect(spec.targets[0]!.ignore).toContain("dist/worker/**");
  });
});

describe("network-interfaces-guard: pruned scope resolution", () => {
  const dir = join(PATCH_FIXTURES, "network-interfaces-guard");
  it.each(readdirSync(dir).filter((f) => /\.(m|c)?js$/.test(f)))("%s: the same edit as resolving scopes on the whole program", (file) => {
    const code = readFileSync(join(dir, file), "utf8");
    expect(plan(code, file).output).toBe(plan(code, file, unpruned).output);
  });
});

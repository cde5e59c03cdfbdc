import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fg from "fast-glob";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../../src/config/settings.js";
import { scanForNeedles } from "../../../src/engine/parallel-scan.js";
import { moduleFormat } from "../../../src/discover/files.js";
import { builtinPatches } from "../../../src/patches/builtins.js";
import { locateWithAcorn } from "../../../src/transforms/locate-acorn.js";
import { withOxcParse } from "../../../src/transforms/oxc-parse.js";
import { mayHoldSite, planFile, sourceTransformOf } from "../../../src/transforms/plan.js";
import { extractedPackage } from "../../support/real-packages.js";

/**
 * On the real published files: a partial parse decides exactly what a whole parse decides, and
 * oxc locates the function bodies acorn locates.
 * Files above WHOLE_PARSE_LIMIT (2026.9.6's 48 and 54 MB worker bundles) take Babel minutes and
 * gigabytes to parse whole; the network-guard real matrix checks them against an independent
 * scan instead.
 */
const WHOLE_PARSE_LIMIT = 20_000_000;
const specs = builtinPatches(defaultSettings()).filter((spec) => sourceTransformOf(spec)?.prefilter?.length);

const PACKAGES: Array<[string, string]> = [
  ["openclaw", "2026.2.26"],
  ["openclaw", "2026.9.6"],
  ["@openclaw/ai", "2026.9.6"],
];

describe.each(PACKAGES)("%s@%s", (name, version) => {
  it("every candidate file: partial parse == whole parse (sites, output, errors)", { timeout: 600_000 }, async () => {
    const root = await extractedPackage(name, version);
    const files = fg
      .sync("**/*.{js,mjs,cjs}", { cwd: root, ignore: ["**/node_modules/**"] })
      .filter((file) => statSync(join(root, file)).size < WHOLE_PARSE_LIMIT)
      .sort();
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { type?: string };
    const copy = { name, version, dir: root, relDir: ".", type: manifest.type === "module" ? "module" : "commonjs" } as const;
    let compared = 0;
    let sites = 0;
    let commentsOnly = 0;
    for (const file of files) {
      const code = readFileSync(join(root, file), "utf8");
      const applicable = specs.filter((spec) => mayHoldSite(spec, code));
      if (applicable.length === 0) continue;
      const input = { code, file, format: moduleFormat(file, copy), specs: applicable };
      const whole = planFile({ ...input, parse: "whole" });
      const partial = planFile({ ...input, parse: "partial" });
      expect(["partial", "comments"], file).toContain(partial.parsed);
      expect({ output: partial.output, outcomes: partial.outcomes }, file).toEqual({ output: whole.output, outcomes: whole.outcomes });
      compared += 1;
      if (partial.parsed === "comments") commentsOnly += 1;
      sites += whole.outcomes.reduce((n, o) => n + o.sites.length, 0);
    }
    expect(compared).toBeGreaterThan(0);
    expect(sites).toBeGreaterThan(0);
    // openclaw 2026.9.6's dist/extensions/imap/index.js (3 MB) names networkInterfaces only in doc comments.
    if (name === "openclaw" && version === "2026.9.6") expect(commentsOnly).toBeGreaterThan(0);
  });

  it("every JavaScript file of 50 KB or more: oxc locates the function bodies acorn locates", { timeout: 600_000 }, async () => {
    const root = await extractedPackage(name, version);
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { type?: string };
    const copy = { name, version, dir: root, relDir: ".", type: manifest.type === "module" ? "module" : "commonjs" } as const;
    const files = fg
      .sync("**/*.{js,mjs,cjs}", { cwd: root, ignore: ["**/node_modules/**"] })
      .filter((file) => {
        const size = statSync(join(root, file)).size;
        return size >= 50_000 && size < WHOLE_PARSE_LIMIT;
      })
      .sort();
    let byOxc = 0;
    for (const file of files) {
      const code = readFileSync(join(root, file), "utf8");
      const format = moduleFormat(file, copy);
      const located = withOxcParse(code, format, { earlyErrors: false }, (parsed) => parsed.functionBodies());
      if (located === null) continue; // oxc refused it (acorn then locates it, as before)
      expect(located, file).toEqual(locateWithAcorn(code, format));
      byOxc += 1;
    }
    expect(byOxc, "oxc located the bodies of nearly every file").toBeGreaterThan(files.length * 0.9);
  });

  it("the prefilter's scan on two threads finds exactly the files a whole read finds", { timeout: 600_000 }, async () => {
    const root = await extractedPackage(name, version);
    const files = fg.sync("**/*.{js,mjs,cjs,json}", { cwd: root, ignore: ["**/node_modules/**"] }).sort();
    const needleSets = specs.map((spec) => [...sourceTransformOf(spec)!.prefilter!]);
    const paths = files.flatMap((file) => needleSets.map(() => join(root, file)));
    const setOf = Int32Array.from(files.flatMap(() => needleSets.map((_, set) => set)));
    const expected = paths.map((path, i) => {
      const text = readFileSync(path, "latin1");
      return needleSets[setOf[i]!]!.some((needle) => text.includes(needle));
    });
    expect(expected.filter(Boolean).length, "some files hold a needle").toBeGreaterThan(0);
    expect(await scanForNeedles(paths, needleSets, setOf, 1)).toEqual(expected);
    expect(await scanForNeedles(paths, needleSets, setOf, Infinity)).toEqual(expected);
  });
});

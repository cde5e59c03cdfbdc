/**
 * Every patch against its own cases in fixtures/patches/<id>/ (see test/support/patch-fixtures.ts):
 * the lines it must patch, the decoys it must leave byte-identical, insert-only edits that
 * still pass `node --check`, idempotence on its own output, and a partial parse that decides
 * as a whole one. A new patch gets all of this by adding its folder.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { isSourceTransform } from "../../src/core/spec.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { checkLedgerCase, checkSourceCase, fixtureCases, PATCH_FIXTURES } from "../support/patch-fixtures.js";

const cases = await fixtureCases();

describe("patch fixtures", () => {
  it("every built-in patch has its cases, with sites to patch and decoys", () => {
    const folders = readdirSync(PATCH_FIXTURES);
    for (const spec of builtinPatches(defaultSettings())) {
      if (spec.id === "runtime-overlay-bin") continue; // the same transform as runtime-overlay, on the bin
      expect(folders, spec.id).toContain(spec.id);
      const own = cases.filter((c) => c.spec.id === spec.id);
      expect(own.length, spec.id).toBeGreaterThan(0);
    }
  });

  it.each(cases.map((c) => [`${c.spec.id}/${c.file}`, c] as const))("%s", (_name, c) => {
    if (isSourceTransform(c.spec.transform)) checkSourceCase(c);
    else checkLedgerCase(c);
  });
});

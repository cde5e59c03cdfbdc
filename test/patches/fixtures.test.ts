/**
 * Every patch against its own cases in fixtures/patches/<id>/ (see test/support/patch-fixtures.ts):
 * the lines it must patch, the decoys it must leave byte-identical, insert-only edits that
 * still pass `node --check`, idempotence on its own output, and a partial parse that decides
 * as a whole one. A new patch gets all of this by adding its folder (a built-in's folder under
 * src/patches/builtin/ is found through the build's index; an example of src/patches/examples/,
 * never shipped, through a `spec.ts` in its fixture folder that re-exports its spec).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { isSourceTransform } from "../../src/core/spec.js";
import { builtinFolders } from "../../src/patches/builtins.js";
import { EXAMPLE_FOLDERS } from "../../src/patches/examples/index.generated.js";
import { checkLedgerCase, checkSourceCase, fixtureCases, PATCH_FIXTURES } from "../support/patch-fixtures.js";

const cases = await fixtureCases();

describe("patch fixtures", () => {
  it("every folder of src/patches/builtin/ and src/patches/examples/ has cases, with sites to patch and decoys", () => {
    const folders = readdirSync(PATCH_FIXTURES);
    expect(EXAMPLE_FOLDERS.every(({ builtin }) => builtin.example)).toBe(true);
    expect(builtinFolders().some(({ builtin }) => builtin.example)).toBe(false);
    for (const { folder, builtin } of [...builtinFolders(), ...EXAMPLE_FOLDERS]) {
      // A folder may hold twins (the overlay's bin spec runs the same transform): one of its specs has cases.
      const ids = builtin.specs(defaultSettings()).map((spec) => spec.id);
      const own = cases.filter((c) => ids.includes(c.spec.id));
      expect(
        ids.some((id) => folders.includes(id)),
        `${folder}: fixtures/patches/<one of ${ids.join(", ")}>/`,
      ).toBe(true);
      expect(own.length, folder).toBeGreaterThan(0);
    }
  });

  it.each(cases.map((c) => [`${c.spec.id}/${c.file}`, c] as const))("%s", async (_name, c) => {
    if (isSourceTransform(c.spec.transform)) await checkSourceCase(c);
    else checkLedgerCase(c);
  });
});

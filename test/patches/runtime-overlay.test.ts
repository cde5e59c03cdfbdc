/**
 * The runtime overlay's edit of an entry (one import, first, on the line after the shebang,
 * no line shifted) and the module it adds (the harness checks every case).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import type { PatchSpec } from "../../src/core/spec.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { planFile } from "../../src/transforms/plan.js";
import { editedLines, PATCH_FIXTURES, planCase } from "../support/patch-fixtures.js";

const builtins = builtinPatches(defaultSettings());
const overlay = builtins.find((s) => s.id === "runtime-overlay") as PatchSpec;
const bin = builtins.find((s) => s.id === "runtime-overlay-bin") as PatchSpec;
const fixture = (file: string) => readFileSync(join(PATCH_FIXTURES, "runtime-overlay", file), "utf8");

/** The entry's edit; no line is added, so every line number of the entry stays what it was. */
function edited(file: string): string {
  const plan = planCase({ spec: overlay, file }, fixture(file));
  expect(plan.output!.split("\n")).toHaveLength(fixture(file).split("\n").length);
  return editedLines(fixture(file), plan.output!);
}

describe("runtime-overlay, before and after", () => {
  it("an ES module entry with a shebang: first statement of line 2", () => {
    expect(edited("esm-entry.js")).toMatchInlineSnapshot(`
      "- import { runCli } from "./run-main-BUdbv390.js"; // MUST
      + /*@clawmend runtime-overlay@3*/import "./clawmend-overlay.mjs";import { runCli } from "./run-main-BUdbv390.js"; // MUST"
    `);
  });

  it("a CommonJS entry: after the directive prologue, so strict mode stays", () => {
    expect(edited("cjs-entry.cjs")).toMatchInlineSnapshot(`
      "- "use strict"; // MUST
      + "use strict";/*@clawmend runtime-overlay@3*/require("./clawmend-overlay.cjs"); // MUST"
    `);
  });

  it("an entry without a shebang: at offset 0", () => {
    expect(edited("no-shebang.mjs")).toMatchInlineSnapshot(`
      "- import { startGateway } from "./gateway-Xk29fQ1z.js"; // MUST
      + /*@clawmend runtime-overlay@3*/import "./clawmend-overlay.mjs";import { startGateway } from "./gateway-Xk29fQ1z.js"; // MUST"
    `);
  });

  it("adds one module next to the entry, starting with the marker, deterministic", () => {
    const [first, second] = [0, 1].map(() => planCase({ spec: overlay, file: "esm-entry.js" }, fixture("esm-entry.js")).outcomes[0]!.added);
    expect(first).toEqual(second);
    expect(first!.map((a) => a.path)).toEqual(["dist/clawmend-overlay.mjs"]);
    expect(first![0]!.content.startsWith("/*@clawmend runtime-overlay@")).toBe(true);
    const cjs = planCase({ spec: overlay, file: "cjs-entry.cjs" }, fixture("cjs-entry.cjs")).outcomes[0]!.added;
    expect(cjs.map((a) => a.path)).toEqual(["dist/clawmend-overlay.cjs"]);
  });

  it("the bin imports the same module, byte for byte", () => {
    const fromEntry = planCase({ spec: overlay, file: "esm-entry.js" }, fixture("esm-entry.js")).outcomes[0]!.added[0]!;
    const binPlan = planFile({ code: fixture("esm-entry.js"), file: "openclaw.mjs", format: "esm", specs: [bin] });
    expect(binPlan.outcomes[0]!.added[0]).toEqual(fromEntry);
  });
});

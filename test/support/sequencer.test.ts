import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./paths.js";
import { EXPECTED_SECONDS } from "./sequencer.js";

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [relative(REPO, join(dir, e.name))] : [],
  );
}

describe("the sequencer's expected durations (a fresh clone's order of the real files)", () => {
  it("name every real test file, and no file that is gone", () => {
    expect(Object.keys(EXPECTED_SECONDS).sort()).toEqual(testFiles(join(REPO, "test", "real")).sort());
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { holdsAnyNeedle } from "../../src/engine/read.js";
import { tempDir } from "../support/tree.js";

const CHUNK = 256 * 1024;
const NEEDLE = "networkInterfaces";

/** A file of `size` bytes of filler with `needle` written at `at`. */
function fileWith(size: number, at: number | null, needle = NEEDLE): string {
  const bytes = Buffer.alloc(size, "x");
  if (at !== null) bytes.write(needle, at);
  const path = join(tempDir(), "f.js");
  writeFileSync(path, bytes);
  return path;
}

describe("holdsAnyNeedle (the chunked prefilter read)", () => {
  const needles = [Buffer.from(NEEDLE)];

  it.each([
    ["at the start", CHUNK * 3, 0],
    ["straddling the first chunk boundary", CHUNK * 3, CHUNK - 5],
    ["ending exactly at a chunk boundary", CHUNK * 3, CHUNK - NEEDLE.length],
    ["starting exactly at a chunk boundary", CHUNK * 3, CHUNK],
    ["straddling a later boundary", CHUNK * 3, CHUNK * 2 - 1],
    ["at the very end", CHUNK * 2 + 7, CHUNK * 2 + 7 - NEEDLE.length],
    ["in a file shorter than a chunk", 100, 50],
  ])("finds a needle %s", (_name, size, at) => {
    expect(holdsAnyNeedle(fileWith(size, at), needles)).toBe(true);
  });

  it.each([
    ["a file without it", CHUNK * 3],
    ["an empty file", 0],
  ])("finds none in %s", (_name, size) => {
    expect(holdsAnyNeedle(fileWith(size, null), needles)).toBe(false);
  });

  it("a part of the needle on each side of a boundary, never whole, is not a match", () => {
    const path = fileWith(CHUNK * 2, CHUNK - 7, "networkInter");
    expect(holdsAnyNeedle(path, needles)).toBe(false);
  });

  it("any of several needles, of different lengths, across a boundary", () => {
    const path = fileWith(CHUNK * 2, CHUNK - 3, "buildParams");
    expect(holdsAnyNeedle(path, [Buffer.from(NEEDLE), Buffer.from("buildParams")])).toBe(true);
    expect(holdsAnyNeedle(path, [Buffer.from(NEEDLE), Buffer.from("buildOpenAICompletionsParams")])).toBe(false);
  });
});

import satisfies from "semver/functions/satisfies.js";
import { describe, expect, it } from "vitest";
import { satisfiesRange } from "../../src/core/version-range.js";

const semver = (version: string, range: string) => satisfies(version, range, { includePrerelease: true });

/** A small seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("satisfiesRange: semver's satisfies with includePrerelease", () => {
  const builtinRanges = [">=2026.4.15-0 <2026.7.0-0", ">=2026.7.0-0 <2026.8.0-0", "<2026.4.15-0", ">=2026.8.0-0"];
  const versions = [
    "2026.2.26",
    "2026.4.15-0",
    "2026.4.15",
    "2026.4.14",
    "2026.6.30-beta.2",
    "2026.7.0-0",
    "2026.7.0",
    "2026.8.0-rc.1",
    "2026.9.6",
    "0.55.1",
    "1.2.3+build.5",
  ];

  it.each(builtinRanges.flatMap((range) => versions.map((version) => [version, range])))("%s in %s", (version, range) => {
    expect(satisfiesRange(version, range)).toBe(semver(version, range));
  });

  it.each([
    ["1.2.3", "^1.0.0"],
    ["1.2.3", "~1.2"],
    ["1.2.3", "1.0.0 - 2.0.0"],
    ["1.2.3", "1.x"],
    ["1.2.3", ">= 1.2.3"],
    ["1.2.3", "*"],
    ["1.2.3", ">=1.2"],
    ["1.2.3", ""],
    ["1.2.3", "not a range"],
    ["01.2.3", ">=1.0.0"],
    ["1.2.3", ">=01.0.0"],
    ["1.2.3-01", ">=1.0.0"],
    ["x", ">=1.0.0"],
    ["1.2.3", "<1.0.0 || >=1.2.0"],
    ["1.2.3", "=1.2.3"],
    ["1.2.3", "v1.2.3"],
    ["1.2.3", "1.2.3"],
    ["1.2.3+x", "=1.2.3+y"],
  ])("%s in %j (other syntax, invalid input)", (version, range) => {
    expect(satisfiesRange(version, range)).toBe(semver(version, range));
  });

  it("agrees with semver on 5,000 generated versions and plain ranges", () => {
    const next = random(2026);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const part = () => String(pick([0, 1, 2, 9, 10, 2026]));
    const pre = () => (next() < 0.5 ? "" : `-${pick(["0", "1", "alpha", "beta.2", "rc.1", "alpha.beta", "0.a", "10"])}`);
    const version = () => `${part()}.${part()}.${part()}${pre()}`;
    const comparator = () => `${pick(["", "=", "<", "<=", ">", ">="])}${version()}`;
    const range = () =>
      Array.from({ length: 1 + Math.floor(next() * 2) }, () =>
        Array.from({ length: 1 + Math.floor(next() * 2) }, comparator).join(" "),
      ).join(" || ");
    let inside = 0;
    for (let i = 0; i < 5000; i += 1) {
      const [v, r] = [version(), range()];
      const expected = semver(v, r);
      expect(satisfiesRange(v, r), `${v} in ${r}`).toBe(expected);
      if (expected) inside += 1;
    }
    expect(inside).toBeGreaterThan(500); // both answers are exercised
    expect(inside).toBeLessThan(4500);
  });
});

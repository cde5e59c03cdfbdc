/** The sweep's version order: a sweep stopped early has still seen the newest of every minor line. */
import { expect, it } from "vitest";
import { sweepOrder } from "../../sweep/versions.js";

it("takes the newest of each minor line first, then the rest newest first", () => {
  expect(sweepOrder(["2026.8.1", "2026.9.1", "2026.9.6", "2026.8.2", "2026.7.1", "2026.9.10"])).toEqual([
    "2026.9.10",
    "2026.8.2",
    "2026.7.1",
    "2026.9.6",
    "2026.9.1",
    "2026.8.1",
  ]);
});

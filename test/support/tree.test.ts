/**
 * The snapshot helper's `reuse`: a later snapshot reads again every file that could have
 * changed, even when a writer kept its size and mtime, and only those.
 */
import { linkSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import fs from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RACY_MS, snapshot, tempDir, writeTree } from "./tree.js";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A tree whose files were last changed well before now (outside the racy window). */
function oldTree(): string {
  const dir = writeTree({ "a.txt": "alpha", "b.txt": "bravo", "sub/c.txt": "charlie" });
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + RACY_MS + 5_000);
  return dir;
}

/** Counts the files the helper reads (each hash reads the file once). */
function countReads(): () => string[] {
  const spy = vi.spyOn(fs, "readFile");
  return () => spy.mock.calls.map(([p]) => String(p));
}

describe("snapshot reuse", () => {
  it("reads nothing again when nothing changed, and gives the same snapshot", async () => {
    const dir = oldTree();
    const first = await snapshot(dir, { times: true });
    const reads = countReads();
    const again = await snapshot(dir, { times: true, reuse: first });
    expect(again).toEqual(first);
    expect(reads()).toEqual([]);
  });

  it("catches a same-size write whose mtime was put back (ctime moved)", async () => {
    const dir = oldTree();
    const first = await snapshot(dir, { times: true });
    const file = join(dir, "a.txt");
    const { atime, mtime } = statSync(file);
    writeFileSync(file, "ALPHA"); // same size
    utimesSync(file, atime, mtime);
    const reads = countReads();
    const again = await snapshot(dir, { times: true, reuse: first });
    expect(reads()).toEqual([file]);
    expect(again.get("a.txt")).not.toBe(first.get("a.txt"));
    expect(again.get("b.txt")).toBe(first.get("b.txt"));
  });

  it("reads a replaced file (new inode) and one whose link count changed", async () => {
    const dir = oldTree();
    const first = await snapshot(dir);
    writeFileSync(join(dir, "new.tmp"), "bravo");
    renameSync(join(dir, "new.tmp"), join(dir, "b.txt"));
    linkSync(join(dir, "sub/c.txt"), join(tempDir(), "c-link")); // another tree's link to the same file
    const reads = countReads();
    const again = await snapshot(dir, { reuse: first });
    expect(reads().sort()).toEqual([join(dir, "b.txt"), join(dir, "sub/c.txt")]);
    expect(again).toEqual(first);
  });

  it("reads again a file changed shortly before the earlier snapshot (racy window)", async () => {
    const dir = writeTree({ "a.txt": "alpha" });
    const first = await snapshot(dir);
    const reads = countReads();
    await snapshot(dir, { reuse: first });
    expect(reads()).toEqual([join(dir, "a.txt")]);
  });

  it("refuses a `reuse` it did not take", async () => {
    await expect(snapshot(writeTree({ x: "1" }), { reuse: new Map() })).rejects.toThrow(/reuse/);
  });
});

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClawmendError, EXIT } from "../../src/core/errors.js";
import { mirrorTree } from "../../src/rebuild/mirror.js";
import { tempDir, writeTree } from "../support/tree.js";

describe("the mirror: copies, and a copy failure as one line", () => {
  /** 300 small files under lib/: more than two batches. */
  function tree(): { src: string; dest: string } {
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`lib/f${i}.js`, `export const n = ${i};\n`]));
    const dir = tempDir("clawmend-mirror-");
    return { src: writeTree(files, join(dir, "src")), dest: join(dir, "dest") };
  }

  it("a file the worker cannot write surfaces as one ClawmendError", async () => {
    const { src, dest } = tree();
    // The skip hook runs during the walk, after DEST/lib exists: a file planted there makes its copy fail.
    const skip = (rel: string) => {
      if (rel === "lib/f7.js") writeFileSync(join(dest, rel), "planted");
      return false;
    };
    const error = await mirrorTree(src, dest, [], { skip, workers: 2 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClawmendError);
    expect((error as ClawmendError).exitCode).toBe(EXIT.cannotApply);
    expect((error as ClawmendError).message).toMatch(/^copy failed: EEXIST: file already exists, .*lib\/f7\.js'; nothing was swapped in$/);
  });

  it("copies every file with its hash, reporting progress up to the total", async () => {
    const { src, dest } = tree();
    const seen: Array<[number, number]> = [];
    const result = await mirrorTree(src, dest, [], { workers: 2, onProgress: (files, total) => seen.push([files, total]) });
    expect(result.files).toBe(300);
    expect([...result.entries.values()].filter((e) => e.kind === "file")).toHaveLength(300);
    expect(seen.at(-1)).toEqual([300, 300]);
  });
});

import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClawmendError, EXIT } from "../../src/core/errors.js";
import { mirrorTree } from "../../src/rebuild/mirror.js";
import { runCli } from "../support/cli.js";
import { makeOpenclawFixture } from "../support/openclaw-fixture.js";
import { tempDir, writeTree } from "../support/tree.js";

describe("the mirror: copies, and failures as one line", () => {
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

  it("a failed call of the walk (DEST already there) is a ClawmendError too, not a stack", async () => {
    const { src, dest } = tree();
    mkdirSync(dest);
    await expect(mirrorTree(src, dest, [])).rejects.toSatisfy(
      (e: unknown) => e instanceof ClawmendError && /^copy failed: EEXIST: .*mkdir/.test(e.message),
    );
  });

  it("copies every file with its hash, reporting progress up to the total", async () => {
    const { src, dest } = tree();
    const seen: Array<[number, number]> = [];
    const result = await mirrorTree(src, dest, [], { workers: 2, onProgress: (files, total) => seen.push([files, total]) });
    expect(result.files).toBe(300);
    expect([...result.entries.values()].filter((e) => e.kind === "file")).toHaveLength(300);
    expect(seen.at(-1)).toEqual([300, 300]);
  });

  it("a rebuild whose system call fails says so in one line (exit 3), not a stack", async () => {
    const dir = tempDir("clawmend-mirror-");
    const from = makeOpenclawFixture(join(dir, "openclaw"));
    writeFileSync(join(dir, "a-file"), "");
    const r = await runCli(["rebuild", "--from", from, "--to", join(dir, "a-file", "sub", "runtime")], { cwd: tmpdir() });
    expect(r.code).toBe(EXIT.cannotApply);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^clawmend: cannot rebuild .*runtime: E[A-Z]+: .*mkdir/);
  });
});

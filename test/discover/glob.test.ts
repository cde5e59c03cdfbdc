/**
 * The walk with precompiled matchers (src/discover/glob.ts) gives fast-glob's answers: every
 * pattern shape the specs use and the traps around them (dot names, links, ignores, braces) on a
 * planted tree, the built-in specs' patterns on the engine fixtures, and the patterns it does not
 * compile left to fast-glob.
 */
import fg from "fast-glob";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileGlobs, walkGlobs } from "../../src/discover/glob.js";
import { SELECTION_EXCLUSIONS } from "../../src/discover/files.js";
import { tempDir } from "../support/tree.js";

const IGNORE = SELECTION_EXCLUSIONS.map((e) => e.glob);

function plant(root: string): void {
  const files = [
    "dist/index.js",
    "dist/entry.mjs",
    "dist/a.cjs",
    "dist/readme.md",
    "dist/.hidden.js",
    "dist/.setup/x.js",
    "dist/sub/deep/b.js",
    "dist/sub/.dot/c.js",
    "dist/worker/worker.mjs",
    "dist/worker/sub/w.js",
    "dist/node_modules/dep/index.js",
    "dist/clawmend-overlay.mjs",
    "dist/openai-completions-Ab1.js",
    "dist/openai-transport-stream-x.mjs",
    "dist/openai-.js",
    "dist/x.js.map",
    "dist/dir.js/inner.js",
    "dist/a{b}.js",
    ".clawmend/manifest.json",
    "openclaw.mjs",
    "lib/z.js",
    "lib/.git",
    "dist/extra/node_modules",
    "dist/clawmend-dir/y.js",
    "node_modules/q/dist/index.js",
  ];
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), "x");
  }
  symlinkSync("index.js", join(root, "dist", "link.js"));
  symlinkSync("sub", join(root, "dist", "linked-dir"));
  symlinkSync("missing.js", join(root, "dist", "dangling.js"));
}

function same(root: string, files: string[], ignore: string[]): void {
  const compiled = compileGlobs(files, ignore);
  expect(compiled, `${files.join(" ")} compiles`).not.toBeNull();
  const mine = walkGlobs(root, compiled!)!;
  const theirs = fg
    .sync(files, { cwd: root, ignore, onlyFiles: false, objectMode: true, followSymbolicLinks: false, dot: true })
    .filter((e) => !e.dirent.isDirectory());
  const view = (entries: { path: string; dirent: { isFile(): boolean; isSymbolicLink(): boolean; isDirectory(): boolean } }[]) =>
    entries
      .map((e) => `${e.path} ${e.dirent.isFile() ? "f" : e.dirent.isSymbolicLink() ? "l" : e.dirent.isDirectory() ? "d" : "o"}`)
      .sort();
  expect(view(mine), files.join(" ")).toEqual(view(theirs));
}

describe("walkGlobs", () => {
  const root = tempDir();
  plant(root);

  it.each([
    [["dist/**/*.{js,mjs,cjs}"], []],
    [["dist/**/*.{js,mjs,cjs}"], ["dist/worker/**"]],
    [["dist/**"], ["dist/worker/**"]],
    [["dist/index.js", "dist/entry.js", "dist/index.mjs", "dist/entry.mjs"], []],
    [["openclaw.mjs"], []],
    [["dist/openai-completions-*.js", "dist/openai-transport-stream-*.js", "dist/openai-transport-stream-*.mjs", "dist/openai-*"], []],
    [["dist/*"], []],
    [["**/*.js"], []],
    [["**"], []],
    [["dist/?ndex.js", "dist/*/deep/*.js"], []],
    [["dist/**/deep/**/*.js"], ["**/sub/**"]],
    [["dist/link.js", "dist/linked-dir", "dist/dangling.js", "dist/dir.js"], []],
    [["lib/**/*.js", "missing/**/*.js", "missing.js"], []],
    [["dist/sub/.dot/*.js", "dist/**/.dot/**"], []],
    [[".*", "dist/.*"], []],
    [["**"], ["dist/sub/**", "lib/*"]],
    [["dist/**/*"], ["dist/**/deep/**", "**/x.js*"]],
  ])("%j ignoring %j", (files, ignore) => {
    same(root, files, [...IGNORE, ...ignore]);
  });

  it("leaves to fast-glob the syntax it does not compile", () => {
    for (const pattern of [
      "dist/[ab].js",
      "dist/!(x).js",
      "dist/@(a|b).js",
      "!dist/a.js",
      "dist/\\*.js",
      "../x/*.js",
      "/abs/*.js",
      "dist/{a,{b,c}}.js",
      "dist/{a}.js",
      "dist/a**.js",
      "./dist/*.js",
    ])
      expect(compileGlobs([pattern], []), pattern).toBeNull();
  });

  it("hands a link in a pattern's literal start back to fast-glob", () => {
    const other = tempDir();
    plant(other);
    mkdirSync(join(other, "real"));
    writeFileSync(join(other, "real", "a.js"), "x");
    symlinkSync("real", join(other, "viaLink"));
    expect(walkGlobs(other, compileGlobs(["viaLink/**/*.js"], IGNORE)!)).toBeNull();
    expect(walkGlobs(other, compileGlobs(["*/a.js"], IGNORE)!)).not.toBeNull();
  });
});

/**
 * Issue 19: whatever is planted in a package copy (a tampered manifest, links in the state
 * directory or among its files), clawmend reads, writes and removes nothing outside it. Each
 * case runs `patch`, `patch --verify` and `revert` and holds the tree outside the package
 * byte-identical; a refusal is one line and exit 3. The tests run as root in CI: nothing here
 * relies on a permission being denied.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/hash.js";
import { COMMANDS, editManifest, expectOneLine, hostileBase, MANIFEST, outside, PROVIDER, runOn } from "../support/hostile.js";
import { snapshot, tempDir } from "../support/tree.js";

const TAMPERED = /tampered state, nothing was changed; reinstall the package and run clawmend patch again$/;

async function patched(): Promise<ReturnType<typeof hostileBase>> {
  const tree = hostileBase(tempDir());
  const first = await runOn(tree.pkg, ["patch"]);
  expect(first.code, first.stderr).toBe(0);
  return tree;
}

/** Runs each command; expects its exit code, one line naming `where` when refused, and no byte changed outside the package (nor inside, when refused). */
async function expectConfined(tree: ReturnType<typeof hostileBase>, codes: readonly number[], where: RegExp): Promise<void> {
  const before = await outside(tree.base);
  for (const [i, command] of COMMANDS.entries()) {
    const inside = await snapshot(tree.pkg);
    const result = await runOn(tree.pkg, command);
    expect(result.code, `${command.join(" ")}: ${result.stderr}`).toBe(codes[i]);
    if (codes[i] === 3) {
      expectOneLine(result.stderr, where);
      expect(await snapshot(tree.pkg), command.join(" ")).toEqual(inside);
    }
    expect(await outside(tree.base), command.join(" ")).toEqual(before);
  }
}

describe("a tampered manifest (the issue's reproductions)", () => {
  it("1: a files entry ../out/victim.txt with its backup planted at originals/../out/: nothing outside is overwritten", async () => {
    const tree = await patched();
    const victim = readFileSync(join(tree.out, "victim.txt"));
    mkdirSync(join(tree.pkg, ".clawmend/out"));
    writeFileSync(join(tree.pkg, ".clawmend/out/victim.txt"), "planted bytes\n");
    editManifest(tree.pkg, (m) => {
      m.files!["../out/victim.txt"] = { before: sha256("planted bytes\n"), after: sha256(victim), size: 1, checked: [], sites: {} };
    });
    await expectConfined(
      tree,
      [3, 3, 3],
      new RegExp(`${MANIFEST}: files key "\\.\\./out/victim\\.txt" climbs out with \\.\\.: ${TAMPERED.source}`),
    );
  });

  it("2: an added entry ../precious.txt with that file's sha256: nothing outside is removed", async () => {
    const tree = await patched();
    const precious = readFileSync(join(tree.base, "precious.txt"));
    editManifest(tree.pkg, (m) => {
      m.added!["../precious.txt"] = { sha256: sha256(precious), size: precious.length, by: "tag-buildparams", importers: [] };
    });
    await expectConfined(tree, [3, 3, 3], /manifest\.json: added key "\.\.\/precious\.txt" climbs out with \.\./);
    expect(readFileSync(join(tree.base, "precious.txt"))).toEqual(precious);
  });

  it("an absolute path, a NUL and a backslash are refused the same way", async () => {
    for (const key of [join(tempDir(), "x.txt"), "dist/\u0000x", "dist\\..\\..\\out\\victim.txt"]) {
      const tree = await patched();
      editManifest(tree.pkg, (m) => {
        m.files![key] = { before: sha256("a"), after: sha256("b"), size: 1, checked: [], sites: {} };
      });
      await expectConfined(tree, [3, 3, 3], /manifest\.json: files key ".*" (is absolute|holds a control character|holds a backslash)/);
    }
  });

  it("an importer that climbs out (the doctor imports them) is refused", async () => {
    const tree = await patched();
    editManifest(tree.pkg, (m) => {
      m.added!["dist/clawmend-x.js"] = { sha256: sha256("x"), size: 1, by: "t", importers: ["../../evil.js"] };
    });
    await expectConfined(tree, [3, 3, 3], /importers\[0\] "\.\.\/\.\.\/evil\.js" climbs out/);
  });

  it("a manifest that is not JSON, or of the wrong shape, is refused in one line", async () => {
    for (const text of ["{", "[[[[[[", JSON.stringify({ format: 2, files: { "dist/a.js": 5 }, specs: {} })]) {
      const tree = await patched();
      writeFileSync(join(tree.pkg, MANIFEST), text);
      await expectConfined(tree, [3, 3, 3], /manifest\.json: (is not JSON|.* is not an object)/);
    }
  });
});

describe("links planted in the state directory", () => {
  it("3: .clawmend/originals/dist linked elsewhere before the first patch: no backup is written through it", async () => {
    const tree = hostileBase(tempDir());
    mkdirSync(join(tree.pkg, ".clawmend/originals"), { recursive: true });
    symlinkSync(join(tree.out, "dir"), join(tree.pkg, ".clawmend/originals/dist"));
    // revert finds no manifest: it removes the state directory (the link itself), nothing outside.
    await expectConfined(tree, [3, 3, 0], /\.clawmend\/originals\/dist: is a symbolic link where clawmend expects a directory/);
    expect(existsSync(join(tree.out, "dir/providers"))).toBe(false);
    expect(existsSync(join(tree.pkg, ".clawmend"))).toBe(false);
  });

  it("a symlinked state directory is refused, not used", async () => {
    const tree = await patched();
    renameSync(join(tree.pkg, ".clawmend"), join(tree.out, "state"));
    symlinkSync(join(tree.out, "state"), join(tree.pkg, ".clawmend"));
    await expectConfined(tree, [3, 3, 3], /pkg\/\.clawmend: is a symbolic link where clawmend expects a directory/);
  });

  it("a symlinked manifest is refused, not read", async () => {
    const tree = await patched();
    renameSync(join(tree.pkg, MANIFEST), join(tree.out, "manifest.json"));
    symlinkSync(join(tree.out, "manifest.json"), join(tree.pkg, MANIFEST));
    await expectConfined(tree, [3, 3, 3], /\.clawmend\/manifest\.json: is not a regular file \(a symbolic link\?\)/);
  });

  it("a symlinked originals directory is refused, not read or written", async () => {
    const tree = await patched();
    renameSync(join(tree.pkg, ".clawmend/originals"), join(tree.out, "originals"));
    symlinkSync(join(tree.out, "originals"), join(tree.pkg, ".clawmend/originals"));
    await expectConfined(tree, [3, 3, 3], /\.clawmend\/originals: is a symbolic link where clawmend expects a directory/);
  });

  it("a backup that is a link to a file outside is not restored from", async () => {
    const tree = await patched();
    const backup = join(tree.pkg, ".clawmend/originals", PROVIDER);
    renameSync(backup, join(tree.out, "original.js"));
    symlinkSync(join(tree.out, "original.js"), backup);
    const before = await outside(tree.base);
    const revert = await runOn(tree.pkg, ["revert"]);
    expect(revert.code).toBe(1);
    expect(revert.stderr).toContain(`kept ${PROVIDER}: original not kept under .clawmend/originals`);
    expect(readFileSync(join(tree.pkg, PROVIDER), "utf8")).toContain("/*@clawmend tag-buildparams@1*/");
    expect(await outside(tree.base)).toEqual(before);
  });

  it("the lock linked elsewhere is refused by the commands that take it", async () => {
    const tree = hostileBase(tempDir());
    symlinkSync(join(tree.out, "dir"), join(tree.pkg, ".clawmend.lock"));
    await expectConfined(tree, [3, 1, 3], /\.clawmend\.lock: is a symbolic link where clawmend expects a directory/);
  });
});

describe("links planted among the package's files", () => {
  it("a target file linked outside is neither read into a backup nor patched: exit 3, naming it", async () => {
    const tree = hostileBase(tempDir());
    const target = join(tree.pkg, PROVIDER);
    renameSync(target, join(tree.out, "provider.js"));
    symlinkSync(join(tree.out, "provider.js"), target);
    await expectConfined(
      tree,
      [3, 3, 0],
      /tag-buildparams on @mariozechner\/pi-ai@0\.55\.1 \(\.\): ambiguous: dist\/providers\/openai-completions\.js: is a symbolic link/,
    );
    expect(existsSync(join(tree.pkg, ".clawmend"))).toBe(false);
  });

  it("dist linked to a lookalike outside: nothing under it is read or patched (fast-glob reads a pattern's start through a link)", async () => {
    const tree = hostileBase(tempDir());
    rmSync(join(tree.pkg, "dist"), { recursive: true });
    symlinkSync(join(tree.out, "lookalike/dist"), join(tree.pkg, "dist"));
    await expectConfined(tree, [3, 3, 0], /ambiguous: dist: is a symbolic link, and clawmend reads and patches no file through one/);
  });

  it("a directory swapped for a link after patching: revert and patch refuse, nothing outside changes", async () => {
    const tree = await patched();
    cpSync(join(tree.pkg, "dist/providers"), join(tree.out, "providers"), { recursive: true });
    rmSync(join(tree.pkg, "dist/providers"), { recursive: true });
    symlinkSync(join(tree.out, "providers"), join(tree.pkg, "dist/providers"));
    await expectConfined(tree, [3, 3, 3], /pkg\/dist\/providers: is a symbolic link where clawmend expects a directory/);
  });

  it("a link planted under a temp file's name is replaced, never written through", async () => {
    const tree = hostileBase(tempDir());
    const victim = join(tree.out, "victim.txt");
    symlinkSync(victim, join(tree.pkg, `${PROVIDER}.clawmend-tmp`));
    mkdirSync(join(tree.pkg, ".clawmend"));
    symlinkSync(victim, join(tree.pkg, `${MANIFEST}.clawmend-tmp`));
    const before = await outside(tree.base);
    const result = await runOn(tree.pkg, ["patch"]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(tree.pkg, PROVIDER), "utf8")).toContain("/*@clawmend tag-buildparams@1*/");
    expect(existsSync(join(tree.pkg, `${PROVIDER}.clawmend-tmp`))).toBe(false);
    expect(existsSync(join(tree.pkg, `${MANIFEST}.clawmend-tmp`))).toBe(false);
    expect(await outside(tree.base)).toEqual(before);
  });
});

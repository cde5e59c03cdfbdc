/**
 * Issue 19's reproductions 1 and 3 on the real `@mariozechner/pi-ai@0.55.1` with the built-in
 * patches: nothing beside the package copy changes under `patch`, `patch --verify` or `revert`.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sha256 } from "../../../src/core/hash.js";
import { runCli } from "../../support/cli.js";
import { COMMANDS, editManifest, expectOneLine, PROVIDER } from "../../support/hostile.js";
import { copyTree, extractedPackage, removeAllCopies } from "../../support/real-packages.js";
import { snapshot } from "../../support/tree.js";

afterAll(removeAllCopies);

async function realCopy(): Promise<{ pkg: string; slot: string }> {
  const pkg = await copyTree(await extractedPackage("@mariozechner/pi-ai", "0.55.1"));
  const slot = dirname(pkg);
  mkdirSync(join(slot, "out"));
  writeFileSync(join(slot, "out/victim.txt"), "victim\n");
  return { pkg, slot };
}

async function expectRefusedEverywhere(pkg: string, slot: string, codes: readonly number[], where: RegExp): Promise<void> {
  const name = basename(pkg);
  const outside = () => snapshot(slot, { skip: (rel) => rel === name || rel.startsWith(`${name}/`) });
  const before = await outside();
  for (const [i, command] of COMMANDS.entries()) {
    const result = await runCli([...command, "--root", pkg], { cwd: pkg });
    expect(result.code, `${command.join(" ")}: ${result.stderr}`).toBe(codes[i]);
    if (codes[i] === 3) expectOneLine(result.stderr, where);
    expect(await outside(), command.join(" ")).toEqual(before);
  }
}

describe("confinement on the real pi-ai 0.55.1", () => {
  it("1: a tampered files entry does not overwrite a file beside the package", async () => {
    const { pkg, slot } = await realCopy();
    const first = await runCli(["patch", "--root", pkg], { cwd: pkg });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    mkdirSync(join(pkg, ".clawmend/out"));
    writeFileSync(join(pkg, ".clawmend/out/victim.txt"), "planted\n");
    editManifest(pkg, (m) => {
      m.files!["../out/victim.txt"] = {
        before: sha256("planted\n"),
        after: sha256(readFileSync(join(slot, "out/victim.txt"))),
        size: 7,
        checked: [],
        sites: {},
      };
    });
    await expectRefusedEverywhere(pkg, slot, [3, 3, 3], /manifest\.json: files key "\.\.\/out\/victim\.txt" climbs out with \.\./);
  });

  it("3: a planted .clawmend/originals/dist link receives no backup", async () => {
    const { pkg, slot } = await realCopy();
    mkdirSync(join(pkg, ".clawmend/originals"), { recursive: true });
    symlinkSync(join(slot, "out"), join(pkg, ".clawmend/originals/dist"));
    await expectRefusedEverywhere(pkg, slot, [3, 3, 0], /originals\/dist: is a symbolic link where clawmend expects a directory/);
    expect(readFileSync(join(pkg, PROVIDER), "utf8")).not.toContain("@clawmend");
  });
});

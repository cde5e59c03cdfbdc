/**
 * What clawmend adds and what it records, on a mini openclaw that ships dist inventories like
 * 2026.8+ (fixtures/engine/openclaw-lifecycle): added files are registered so a lifecycle prune
 * keeps them, `--verify` checks them in every mode (steady state included), a missing or edited
 * one fails verify by name and `patch` restores it, and revert restores the inventories.
 * (The real package's own lifecycle is exercised in test/real/lifecycle/.)
 */
import { chmodSync, cpSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { FIXTURES } from "../support/paths.js";
import { expectSameTree, snapshot, tempDir } from "../support/tree.js";

const PKG = join(FIXTURES, "engine", "openclaw-lifecycle");
const OVERLAY = "dist/clawmend-overlay.mjs";

function copy(): string {
  const dir = join(tempDir(), "openclaw");
  cpSync(PKG, dir, { recursive: true });
  for (const f of ["dist/entry.js", "dist/index.js", "openclaw.mjs"]) chmodSync(join(dir, f), 0o755);
  return dir;
}

const patch = (root: string, ...more: string[]) => runCli(["patch", "--root", root, ...more], { cwd: root });
const verify = (root: string, ...more: string[]) => runCli(["patch", "--verify", "--root", root, ...more], { cwd: root });

/** OpenClaw's published prune rule: every dist file its inventory does not list is deleted. */
function pruneLikeOpenClaw(root: string): string[] {
  const listed = new Set(JSON.parse(readFileSync(join(root, "dist/postinstall-inventory.json"), "utf8")) as string[]);
  const removed: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const rel = relative(root, abs);
      if (entry.isDirectory()) walk(abs);
      else if (rel !== "dist/postinstall-inventory.json" && !listed.has(rel)) {
        unlinkSync(abs);
        removed.push(rel);
      }
    }
  };
  walk(join(root, "dist"));
  return removed;
}

/** OpenClaw's content check: every inventoried file has the recorded hash and size. */
function contentMismatches(root: string): string[] {
  const records = JSON.parse(readFileSync(join(root, "dist/postinstall-content-inventory.json"), "utf8")) as Array<{
    path: string;
    sha256: string;
    size: number;
    mode: number;
  }>;
  return records.flatMap((r) => {
    const bytes = readFileSync(join(root, r.path));
    const sha = createHash("sha256").update(bytes).digest("hex");
    return sha === r.sha256 && bytes.length === r.size && (statSync(join(root, r.path)).mode & 0o111) === (r.mode & 0o111) ? [] : [r.path];
  });
}

describe("a package that ships dist inventories", () => {
  it("registers the added overlay and every changed file, so a lifecycle prune keeps them and the content check passes", async () => {
    const root = copy();
    const first = await patch(root);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/openclaw-dist-inventory\s+applied/);
    const listed = JSON.parse(readFileSync(join(root, "dist/postinstall-inventory.json"), "utf8")) as string[];
    expect(listed).toContain(OVERLAY);
    expect(contentMismatches(root)).toEqual([]);
    expect(pruneLikeOpenClaw(root)).toEqual([]);
    expect((await verify(root)).code).toBe(0);
  });

  it("leaves the hashed worker bundle alone (byte-identical)", async () => {
    const root = copy();
    expect((await patch(root)).code).toBe(0);
    expect(readFileSync(join(root, "dist/worker/worker.mjs"))).toEqual(readFileSync(join(PKG, "dist/worker/worker.mjs")));
  });

  it("a second run changes no byte and verify passes in the steady state", async () => {
    const root = copy();
    await patch(root);
    const patched = await snapshot(root, { skip: (rel) => rel.startsWith(".clawmend.lock") });
    const again = await patch(root);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/\sapplied\s/);
    expectSameTree(await snapshot(root, { skip: (rel) => rel.startsWith(".clawmend.lock") }), patched);
  });

  it("an added file deleted after patching (an old prune, a hand): verify exits 1 naming it and the fix; patch restores it", async () => {
    const root = copy();
    await patch(root);
    const written = readFileSync(join(root, OVERLAY));
    rmSync(join(root, OVERLAY));
    const v = await verify(root);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/runtime-overlay\s+unpatched/);
    expect(v.stdout).toContain(`${OVERLAY}: missing`);
    expect(v.stdout).toContain("run clawmend patch");
    const repaired = await patch(root);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain(`${OVERLAY}: restored`);
    expect(readFileSync(join(root, OVERLAY))).toEqual(written);
    expect((await verify(root)).code).toBe(0);
  });

  it("an added file edited after patching: verify exits 1 (drifted); patch rewrites it", async () => {
    const root = copy();
    await patch(root);
    const written = readFileSync(join(root, OVERLAY));
    writeFileSync(join(root, OVERLAY), `${written}\n// edited by hand\n`);
    const v = await verify(root);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/runtime-overlay\s+drifted/);
    expect(v.stdout).toContain(`${OVERLAY}: differs from what clawmend writes`);
    expect((await patch(root)).code).toBe(0);
    expect(readFileSync(join(root, OVERLAY))).toEqual(written);
  });

  it("an inventory rewritten by the package (a reinstall): verify fails, patch records the changes again", async () => {
    const root = copy();
    await patch(root);
    cpSync(join(PKG, "dist/postinstall-inventory.json"), join(root, "dist/postinstall-inventory.json"));
    const v = await verify(root);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/openclaw-dist-inventory\s+unpatched/);
    expect((await patch(root)).code).toBe(0);
    expect(pruneLikeOpenClaw(root)).toEqual([]);
  });

  it("revert restores every byte, the inventories included", async () => {
    const root = copy();
    const pristine = await snapshot(root);
    await patch(root);
    const r = await runCli(["revert", "--root", root], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expectSameTree(await snapshot(root, { skip: (rel) => rel.startsWith(".clawmend.lock") }), pristine);
  });

  it("the package changed under clawmend (another version in the same place): verify says was/now in one line", async () => {
    const root = copy();
    await patch(root);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    writeFileSync(join(root, "package.json"), JSON.stringify({ ...pkg, version: "2026.9.7" }));
    const v = await verify(root);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain("openclaw was 2026.9.6 when clawmend patched it, now 2026.9.7 (reinstalled or updated): run clawmend patch");
    const p = await patch(root);
    expect(p.code).toBe(0);
    expect((await verify(root)).code).toBe(0);
  });
});

describe("verify fails closed", () => {
  it("no target package under --root: exit 1, one line saying what it looked for and where", async () => {
    const root = tempDir();
    const v = await verify(root);
    expect(v.code).toBe(1);
    const lines = v.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^clawmend: no .*openclaw.* package under .*: nothing to verify \(check --root\)$/);
  });

  it("patch with nothing to patch keeps exit 0 (the postinstall case)", async () => {
    const root = tempDir();
    const p = await patch(root);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/^no target package under /);
  });
});

import { cpSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exited, runBin, startBin } from "../support/cli.js";
import { FIXTURES } from "../support/paths.js";
import { snapshot, tempDir, writeTree, type Snapshot } from "../support/tree.js";

const CONFIG = join(FIXTURES, "engine", "configs", "tag-buildparams.config.ts");
const CHUNKS = 160;

/** An openclaw-like package with many chunks, each holding one site: writes take a while. */
function bigTree(): string {
  const filler = `export const table = ${JSON.stringify(Array.from({ length: 2500 }, (_, i) => `row-${i}`))};\n`;
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ name: "openclaw", version: "2026.2.26", type: "module" }),
    "dist/index.js": 'export * from "./chunk-0.js";\n',
  };
  for (let i = 0; i < CHUNKS; i += 1) {
    files[`dist/chunk-${i}.js`] = `${filler}export function startGateway(port = ${i}) {\n  return { port };\n}\n`;
  }
  return writeTree(files, join(tempDir(), "openclaw"));
}

const skipLock = (rel: string) => rel.startsWith(".clawmend.lock");
const ARGS = (root: string) => ["patch", "--root", root, "--config", CONFIG, "--only", "tag-start-gateway"];

/** The tree one uninterrupted run leaves. */
async function patchedReference(pristineRoot: string): Promise<Snapshot> {
  const copy = join(tempDir(), "openclaw");
  cpSync(pristineRoot, copy, { recursive: true });
  const result = await runBin(ARGS(copy), { cwd: copy });
  expect(result.code, result.stderr).toBe(0);
  return snapshot(copy, { skip: skipLock });
}

describe("concurrent runs and interrupted writes", () => {
  it("two concurrent patch runs on one tree end identical to one run", async () => {
    const root = bigTree();
    const reference = await patchedReference(root);
    const [a, b] = await Promise.all([exited(startBin(ARGS(root), { cwd: root })), exited(startBin(ARGS(root), { cwd: root }))]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(await snapshot(root, { skip: skipLock })).toEqual(reference);
  });

  for (const phase of ["staging", "committing"] as const) {
    it(`SIGKILL while ${phase}: every file is pristine or fully patched, a rerun converges, verify passes`, async () => {
      const root = bigTree();
      const pristine = await snapshot(root);
      const reference = await patchedReference(root);
      const child = startBin(ARGS(root), { cwd: root });
      const done = exited(child);
      const manifest = join(root, ".clawmend", "manifest.json");
      const started = () =>
        phase === "staging" ? readdirSync(join(root, "dist")).some((f) => f.endsWith(".clawmend-tmp")) : existsSync(manifest);
      let alive = true;
      void done.then(() => (alive = false));
      while (alive && !started()) await new Promise((r) => setTimeout(r, 2));
      child.kill("SIGKILL");
      await done;

      for (const [file, entry] of await snapshot(root, { skip: (rel) => !rel.startsWith("dist") })) {
        if (file.endsWith(".clawmend-tmp")) continue;
        expect([pristine.get(file), reference.get(file)], file).toContain(entry);
      }
      const rerun = await runBin(ARGS(root), { cwd: root });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(await snapshot(root, { skip: (rel) => skipLock(rel) || rel.endsWith(".clawmend-tmp") })).toEqual(reference);
      const verify = await runBin(["patch", "--verify", ...ARGS(root).slice(1)], { cwd: root });
      expect(verify.code, verify.stdout).toBe(0);
      const chunk = readFileSync(join(root, "dist/chunk-7.js"), "utf8");
      expect(chunk).toContain("/*@clawmend tag-start-gateway@1*/export function startGateway");
    });
  }
});

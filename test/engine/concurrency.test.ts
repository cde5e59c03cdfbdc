import { cpSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runBin, startBin } from "../support/cli.js";
import { hashTree, tempDir, writeTree } from "../support/tree.js";

const CONFIG = join(REPO, "fixtures", "engine", "configs", "tag-buildparams.config.ts");
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

const skipLock = (rel: string) => rel.startsWith(".clawpatch.lock");

function patchedReference(pristineRoot: string): Record<string, string> {
  const copy = join(tempDir(), "openclaw");
  cpSync(pristineRoot, copy, { recursive: true });
  const result = runBin(["patch", "--root", copy, "--config", CONFIG, "--only", "tag-start-gateway"], copy);
  expect(result.code, result.stderr).toBe(0);
  return hashTree(copy, skipLock);
}

function waitForExit(child: ReturnType<typeof startBin>): Promise<number | null> {
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on("close", (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolve(code);
    }),
  );
}

describe("concurrent runs and interrupted writes", () => {
  it("two concurrent patch runs on one tree end identical to one run", async () => {
    const root = bigTree();
    const reference = patchedReference(root);
    const args = ["patch", "--root", root, "--config", CONFIG, "--only", "tag-start-gateway"];
    const a = startBin(args, root);
    const b = startBin(args, root);
    const [ca, cb] = await Promise.all([waitForExit(a), waitForExit(b)]);
    expect([ca, cb]).toEqual([0, 0]);
    expect(hashTree(root, skipLock)).toEqual(reference);
  });

  for (const phase of ["staging", "committing"] as const) {
    it(`SIGKILL while ${phase}: every file is pristine or fully patched, a rerun converges, verify passes`, async () => {
      const root = bigTree();
      const pristine = hashTree(root);
      const reference = patchedReference(root);
      const child = startBin(["patch", "--root", root, "--config", CONFIG, "--only", "tag-start-gateway"], root);
      const exited = waitForExit(child);
      const manifest = join(root, ".clawpatch", "manifest.json");
      const started = () =>
        phase === "staging" ? readdirSync(join(root, "dist")).some((f) => f.endsWith(".clawpatch-tmp")) : existsSync(manifest);
      let alive = true;
      void exited.then(() => (alive = false));
      while (alive && !started()) await new Promise((r) => setTimeout(r, 2));
      child.kill("SIGKILL");
      await exited;

      for (const [file, hash] of Object.entries(hashTree(join(root, "dist")))) {
        if (file.endsWith(".clawpatch-tmp")) continue;
        expect([pristine[`dist/${file}`], reference[`dist/${file}`]]).toContain(hash);
      }
      const rerun = runBin(["patch", "--root", root, "--config", CONFIG, "--only", "tag-start-gateway"], root);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(hashTree(root, (rel) => skipLock(rel) || rel.endsWith(".clawpatch-tmp"))).toEqual(reference);
      expect(runBin(["patch", "--verify", "--root", root, "--config", CONFIG, "--only", "tag-start-gateway"], root).code).toBe(0);
      const chunk = readFileSync(join(root, "dist/chunk-7.js"), "utf8");
      expect(chunk).toContain("/*@clawpatch tag-start-gateway@1*/export function startGateway");
    });
  }
});

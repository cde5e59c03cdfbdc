import { cpSync, existsSync, lstatSync, readFileSync, readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exited, runBin, startBin, waitFor } from "../support/cli.js";
import { FIXTURES } from "../support/paths.js";
import { snapshot, tempDir, writeTree, type Snapshot } from "../support/tree.js";

const CONFIG = join(FIXTURES, "engine", "configs", "tag-buildparams.config.ts");
const CHUNKS = 160;

/**
 * An openclaw-like package with many chunks, each holding one site: writes take a while (one
 * fsynced backup and one fsynced staged file per chunk, then one rename each). The filler keeps
 * each chunk's bytes (~27 kB) but is a block comment, which the parser skips in one step: the time
 * goes to writing, not to parsing a 2,500-element array per chunk.
 */
function bigTree(): string {
  const filler = `/* ${Array.from({ length: 2500 }, (_, i) => `row-${i}`).join(", ")} */\n`;
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

/**
 * One pristine tree, its snapshot and the reference a run of it leaves, made once for the file
 * (bigTree() is deterministic: every test's tree is a copy of it).
 */
let shared: Promise<{ template: string; pristine: Snapshot; reference: Snapshot }> | undefined;
function sharedTree(): Promise<{ template: string; pristine: Snapshot; reference: Snapshot }> {
  shared ??= (async () => {
    const template = bigTree();
    return { template, pristine: await snapshot(template), reference: await patchedReference(template) };
  })();
  return shared;
}

/** A fresh copy of the pristine tree. */
function treeCopy(template: string): string {
  const root = join(tempDir(), "openclaw");
  cpSync(template, root, { recursive: true });
  return root;
}

/**
 * A copy of the tree whose patch run was killed in `phase`: the phase was seen and the run had
 * not ended by itself. The commit phase lasts tens of milliseconds, so a loaded machine may see
 * the run end first: such an attempt is discarded and tried again on a fresh copy, a few times.
 */
async function killedInPhase(template: string, pristine: Snapshot, phase: "staging" | "committing"): Promise<string> {
  const misses: string[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const root = treeCopy(template);
    expect(await snapshot(root)).toEqual(pristine);
    const child = startBin(ARGS(root), { cwd: root });
    const done = exited(child);
    const manifest = join(root, ".clawmend", "manifest.json");
    const started = () =>
      phase === "staging" ? readdirSync(join(root, "dist")).some((f) => f.endsWith(".clawmend-tmp")) : existsSync(manifest);
    const reached = await waitFor(started, child);
    child.kill("SIGKILL");
    const end = await done;
    if (reached && end.signal === "SIGKILL") return root;
    misses.push(`attempt ${attempt + 1}: phase ${reached ? "seen" : "not seen"}, run ended with ${end.signal ?? `exit ${end.code}`}`);
  }
  throw new Error(`the kill never landed while ${phase}:\n${misses.join("\n")}`);
}

describe("concurrent runs and interrupted writes", () => {
  it("two concurrent patch runs on one tree end identical to one run", async () => {
    const { template, reference } = await sharedTree();
    const root = treeCopy(template);
    const [a, b] = await Promise.all([exited(startBin(ARGS(root), { cwd: root })), exited(startBin(ARGS(root), { cwd: root }))]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(await snapshot(root, { skip: skipLock })).toEqual(reference);
  });

  for (const phase of ["staging", "committing"] as const) {
    it(`SIGKILL while ${phase}: every file is pristine or fully patched, a rerun converges, verify passes`, async () => {
      const { template, pristine, reference } = await sharedTree();
      const root = await killedInPhase(template, pristine, phase);

      for (const [file, entry] of await snapshot(root, { skip: (rel) => !rel.startsWith("dist") })) {
        if (file.endsWith(".clawmend-tmp")) continue;
        expect([pristine.get(file), reference.get(file)], file).toContain(entry);
      }
      // The killed run left its lock. It goes stale 10 s after its last touch (proper-lockfile judges
      // by the lock's mtime alone): date it back instead of waiting those seconds out.
      const lock = join(root, ".clawmend.lock");
      expect(lstatSync(lock, { throwIfNoEntry: false })?.isDirectory(), "the killed run's lock is left").toBe(true);
      const past = new Date(Date.now() - 60_000);
      utimesSync(lock, past, past);
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

/**
 * OpenClaw's own package lifecycle on the real openclaw 2026.9.6 (Node 26), installed with
 * `--ignore-scripts` (the test cache's global-style install: `.openclaw-lifecycle-pending` is
 * there). Its first command of any kind runs `scripts/postinstall-bundled-plugins.mjs`, which
 * deletes every dist file `dist/postinstall-inventory.json` does not list. Each case starts from
 * its own copy of that never-run install and says in which order things happen.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runBin } from "../../support/cli.js";
import { runNode } from "../../support/node-runtime.js";
import { openclawInstall } from "../../support/openclaw-install.js";
import { OFFLINE_ENV } from "../../support/openclaw-home.js";
import { copyTree, removeAllCopies } from "../../support/real-packages.js";
import { runOk } from "../../support/run.js";

const MIN = 60_000;
const VERSION = "2026.9.6";
const OVERLAY = "dist/clawmend-overlay.mjs";
let node = "";
let install = "";
let home = "";

beforeAll(async () => {
  ({ node, install } = await openclawInstall(VERSION, 26));
  home = await mkdtemp(path.join(os.tmpdir(), "clawmend-lifecycle-home-"));
}, 60 * MIN);

// Each case's copy goes when the case ends, so the next lands at the same path, where OpenClaw's
// compile cache is warm (see `copyTree`).
afterEach(() => removeAllCopies());

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

/** A fresh copy of the never-run install: the lifecycle is still pending. */
async function neverRun(): Promise<string> {
  const copy = await copyTree(install);
  expect(existsSync(path.join(copy, ".openclaw-lifecycle-pending"))).toBe(true);
  return copy;
}

const clawmend = (...args: string[]) => runBin(args, { cwd: os.tmpdir() });

/** `openclaw --version`: the cheapest command, and like any first command it runs the pending lifecycle. */
const openclawVersion = (copy: string) =>
  runNode(node, [path.join(copy, "openclaw.mjs"), "--version"], { cwd: home, env: { HOME: home, ...OFFLINE_ENV }, timeoutMs: 10 * MIN });

/** OpenClaw's own postinstall, run again as `npm rebuild` would. */
const rerunPostinstall = (copy: string) =>
  runNode(node, [path.join(copy, "scripts", "postinstall-bundled-plugins.mjs")], {
    cwd: copy,
    env: { HOME: home, ...OFFLINE_ENV },
    timeoutMs: 10 * MIN,
  });

/**
 * What OpenClaw's own integrity checks say about a tree: the updater's installed-package check
 * (`unexpected packaged dist file …`, `missing packaged dist file …`) and the content inventory
 * check (sha256/size/mode of every dist file), called from the package's own chunks.
 */
async function openclawIntegrityErrors(copy: string): Promise<string[]> {
  const probe = path.join(home, "integrity-probe.mjs");
  writeFileSync(
    probe,
    `import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
const root = process.argv[2];
const dist = path.join(root, "dist");
async function find(prefix, name) {
  for (const file of readdirSync(dist).filter((f) => f.startsWith(prefix) && f.endsWith(".mjs"))) {
    const mod = await import(pathToFileURL(path.join(dist, file)).href);
    const fn = Object.values(mod).find((v) => typeof v === "function" && v.name === name);
    if (fn) return fn;
  }
  throw new Error("no " + name + " in dist/" + prefix + "*");
}
const installed = await find("update-runner-command-", "collectInstalledGlobalPackageErrors");
const content = await find("package-dist-inventory-", "collectPackageDistContentInventoryErrors");
const errors = [...(await installed({ packageRoot: root, expectedVersion: ${JSON.stringify(VERSION)} })), ...(await content(root))];
process.stdout.write(JSON.stringify(errors));
`,
  );
  const r = await runNode(node, [probe, copy], { cwd: home, env: { HOME: home, ...OFFLINE_ENV }, timeoutMs: 5 * MIN });
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

describe(`openclaw ${VERSION}: clawmend and the package lifecycle`, () => {
  it(
    "clawmend first, then the first OpenClaw command: the lifecycle prunes nothing of clawmend's, the runtime works, verify stays green; again after a re-run of the postinstall",
    async () => {
      const copy = await neverRun();
      const patch = await clawmend("patch", "--root", copy);
      expect(patch.code, patch.stdout + patch.stderr).toBe(0);
      expect(patch.stdout).toMatch(/openclaw-dist-inventory\s+applied/);
      const worker = readFileSync(path.join(install, "dist/worker/worker.mjs"));

      const first = await openclawVersion(copy);
      expect(first.code, first.stderr.slice(-3000)).toBe(0);
      expect(first.stdout.trim()).toContain(VERSION);
      expect(existsSync(path.join(copy, ".openclaw-lifecycle-pending")), "the lifecycle ran").toBe(false);
      expect(existsSync(path.join(copy, OVERLAY)), "the prune kept the overlay").toBe(true);
      expect((await clawmend("patch", "--verify", "--root", copy)).code).toBe(0);
      expect(await openclawIntegrityErrors(copy)).toEqual([]);

      const rebuild = await rerunPostinstall(copy);
      expect(rebuild.code, rebuild.stderr).toBe(0);
      expect(existsSync(path.join(copy, OVERLAY))).toBe(true);
      expect((await clawmend("patch", "--verify", "--root", copy)).code).toBe(0);
      expect((await openclawVersion(copy)).code).toBe(0);
      // The hashed worker bundles are the published bytes.
      expect(readFileSync(path.join(copy, "dist/worker/worker.mjs")).equals(worker)).toBe(true);

      // Revert: clawmend's files restored byte for byte, OpenClaw's checks still clean.
      const revert = await clawmend("revert", "--root", copy);
      expect(revert.code, revert.stdout + revert.stderr).toBe(0);
      expect(existsSync(path.join(copy, OVERLAY))).toBe(false);
      for (const file of [
        "dist/entry.js",
        "dist/index.js",
        "openclaw.mjs",
        "dist/postinstall-inventory.json",
        "dist/postinstall-content-inventory.json",
      ]) {
        expect(readFileSync(path.join(copy, file)).equals(readFileSync(path.join(install, file))), file).toBe(true);
      }
      expect(await openclawIntegrityErrors(copy)).toEqual([]);
    },
    30 * MIN,
  );

  it(
    "the failure this prevents, and verify catching it: without the inventory patch the first command prunes the overlay and the runtime crashes; verify names the file; patch restores it",
    async () => {
      const copy = await neverRun();
      expect((await clawmend("patch", "--root", copy, "--skip", "openclaw-dist-inventory")).code).toBe(0);
      const first = await openclawVersion(copy);
      expect(existsSync(path.join(copy, OVERLAY)), "pruned by the lifecycle").toBe(false);
      const crash = await openclawVersion(copy);
      expect(crash.code).not.toBe(0);
      expect(`${first.stderr}${crash.stderr}`).toMatch(/ERR_MODULE_NOT_FOUND[\s\S]*clawmend-overlay\.mjs/);
      expect(await openclawIntegrityErrors(copy)).not.toEqual([]);

      const verify = await clawmend("patch", "--verify", "--root", copy, "--skip", "openclaw-dist-inventory");
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain(`${OVERLAY}: missing`);
      const repair = await clawmend("patch", "--root", copy);
      expect(repair.code, repair.stdout + repair.stderr).toBe(0);
      expect((await openclawVersion(copy)).code).toBe(0);
      expect((await rerunPostinstall(copy)).code).toBe(0);
      expect(existsSync(path.join(copy, OVERLAY))).toBe(true);
      expect((await clawmend("patch", "--verify", "--root", copy)).code).toBe(0);
    },
    30 * MIN,
  );

  it(
    "the lifecycle first (a pristine command ran), then clawmend: the runtime works and verify is green; a reinstall over it turns verify red, patch makes it green",
    async () => {
      const copy = await neverRun();
      expect((await openclawVersion(copy)).code).toBe(0);
      expect(existsSync(path.join(copy, ".openclaw-lifecycle-pending"))).toBe(false);
      expect((await clawmend("patch", "--root", copy)).code).toBe(0);
      expect((await openclawVersion(copy)).code).toBe(0);
      expect((await clawmend("patch", "--verify", "--root", copy)).code).toBe(0);
      expect(await openclawIntegrityErrors(copy)).toEqual([]);

      // What an updater or `npm install -g` of the same version leaves: the published files over the patched ones.
      await runOk("cp", ["-a", "--remove-destination", `${install}/.`, copy]);
      const verify = await clawmend("patch", "--verify", "--root", copy);
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain("dist/entry.js: back to the package's original bytes (reinstalled?): run clawmend patch");
      expect((await clawmend("patch", "--root", copy)).code).toBe(0);
      expect((await openclawVersion(copy)).code).toBe(0);
      expect((await clawmend("patch", "--verify", "--root", copy)).code).toBe(0);
    },
    30 * MIN,
  );
});

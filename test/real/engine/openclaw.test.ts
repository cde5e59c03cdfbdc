import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin } from "../../support/cli.js";
import { expectSameTree, snapshot, type Snapshot } from "../../support/tree.js";
import { nodeBinary, runNode } from "../../support/node-runtime.js";
import { copyTree, globalStyleInstall, removeCopy } from "../../support/real-packages.js";

// Issue 2's proof on a real global-style install: openclaw 2026.2.26 with its dependencies
// (including @mariozechner/pi-ai 0.55.1) nested in its own node_modules.
const VERSION = "2026.2.26";
const notLock = (rel: string) => !rel.startsWith(".clawmend.lock");

function expectSame(a: Snapshot, b: Snapshot) {
  const keep = (s: Snapshot) => new Map([...s].filter(([rel]) => notLock(rel)));
  expectSameTree(keep(a), keep(b));
}

describe(`engine on a real global-style install of openclaw ${VERSION}`, () => {
  let pristine: string;
  let copy: string;
  let pristineSnapshot: Snapshot;

  beforeAll(async () => {
    const source = await globalStyleInstall(`openclaw@${VERSION}`);
    // Patched, read and asked `--version`: OpenClaw is never started from them.
    const unstarted = () => copyTree(source, { startsOpenclaw: false });
    [pristine, copy] = await Promise.all([unstarted(), unstarted()]);
    pristineSnapshot = await snapshot(copy);
  }, 1_800_000);

  afterAll(async () => {
    await Promise.all([pristine, copy].filter(Boolean).map((dir) => removeCopy(dir)));
  });

  it("verify exits 1 on the pristine copy; --dry-run changes no byte", async () => {
    const verify = await runBin(["patch", "--verify", "--root", pristine], { cwd: pristine });
    expect(verify.code, verify.stdout + verify.stderr).toBe(1);
    expect(verify.stdout).toMatch(/runtime-overlay\s+unpatched/);
    const dry = await runBin(["patch", "--dry-run", "--root", pristine], { cwd: pristine });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("+++ b/dist/entry.js");
    expectSame(await snapshot(pristine), pristineSnapshot);
  });

  it("patches every copy (exit 0, --json parses), a second run changes no byte, verify exits 0", async () => {
    const first = await runBin(["patch", "--json", "--root", copy], { cwd: copy });
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    const byCopy = Object.fromEntries(
      report.copies.map((c: { package: string; patches: { patch: string; status: string }[] }) => [
        c.package,
        Object.fromEntries(c.patches.map((p) => [p.patch, p.status])),
      ]),
    );
    expect(byCopy.openclaw).toMatchObject({ "runtime-overlay": "applied", "network-interfaces-guard": "applied" });
    expect(byCopy["@mariozechner/pi-ai"]).toMatchObject({ "vllm-tool-gate": "applied" });
    const patched = await snapshot(copy);

    const second = await runBin(["patch", "--json", "--root", copy], { cwd: copy });
    expect(second.code, second.stderr).toBe(0);
    const statuses = JSON.parse(second.stdout).copies.flatMap((c: { patches: { status: string }[] }) => c.patches.map((p) => p.status));
    expect(new Set(statuses)).toEqual(new Set(["already-applied", "not-applicable"]));
    expectSame(await snapshot(copy), patched);

    const verify = await runBin(["patch", "--verify", "--root", copy], { cwd: copy });
    expect(verify.code, verify.stdout).toBe(0);
  });

  it("the patched CLI still runs under Node 22 (openclaw.mjs --version)", async () => {
    const node = await nodeBinary(22);
    const result = await runNode(node, [join(copy, "openclaw.mjs"), "--version"], { cwd: copy });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toContain(VERSION);
  });

  it("revert returns the tree to its pristine bytes", async () => {
    const revert = await runBin(["revert", "--root", copy], { cwd: copy });
    expect(revert.code, revert.stderr).toBe(0);
    expectSame(await snapshot(copy), pristineSnapshot);
  });
});

/**
 * `clawmend rebuild` and `clawmend doctor` on a real global-style install of
 * openclaw@2026.2.26 (~400 MB, ~42k files, nested @mariozechner/pi-ai@0.55.1).
 */
import { existsSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeBinary, runNode } from "../../support/node-runtime.js";
import { copyTree, globalStyleInstall, removeAllCopies } from "../../support/real-packages.js";
import { exited, runCli, startBin, waitFor } from "../../support/cli.js";
import { snapshot, type Snapshot } from "../../support/tree.js";
import { runOkSync } from "../../support/run.js";

const SPEC = "openclaw@2026.2.26";

let work: string;
let src: string;
let pristine: Snapshot;
let patched: string; // full rebuild
let partial: string; // a copy patched with --skip vllm-tool-gate: nested pi-ai unpatched
let plain: string; // a pristine tree (SRC itself)
let other: string; // a second rebuild into a fresh DEST
let otherTree: Snapshot; // its snapshot (times included)
let digest: string;

function digestOf(stdout: string): string {
  const match = /^digest ([0-9a-f]{64})$/m.exec(stdout);
  if (!match) throw new Error(`no digest in:\n${stdout}`);
  return match[1]!;
}

function onlyPath(dir: string): NodeJS.ProcessEnv {
  return { PATH: dir, HOME: join(work, "home") };
}

beforeAll(async () => {
  const cached = await globalStyleInstall(SPEC);
  // Rebuilt from, patched and read: OpenClaw is never started from these (DEST runs `--version`).
  src = await copyTree(cached, { startsOpenclaw: false }); // our own SRC: this test renames it away
  work = join(src, "..", "work");
  mkdirSync(work);
  // Made before SRC's snapshot: their hard links to the cache (shared with SRC's node_modules)
  // move those files' ctime, so later snapshots of SRC would have to read them all again.
  partial = await copyTree(cached, { startsOpenclaw: false });
  expect((await runCli(["patch", "--root", partial, "--skip", "vllm-tool-gate"], { cwd: work })).code).toBe(0);
  plain = src; // pristine, as the first test proves; doctor only reads it
  pristine = await snapshot(src, { times: true });

  patched = join(work, "patched", "openclaw");
  const r = await runCli(["rebuild", "--from", src, "--to", patched, "--json"], { cwd: work });
  expect(r.code, r.stderr).toBe(0);
  digest = JSON.parse(r.stdout).digest;
}, 1_800_000);

afterAll(async () => {
  // Directories only: a copy's files under node_modules are hard links to the cache's.
  if (work) runOkSync("find", [join(work, ".."), "-type", "d", "!", "-perm", "-u+w", "-exec", "chmod", "u+w", "{}", "+"]);
  await removeAllCopies();
});

describe(`rebuild on real ${SPEC}`, () => {
  it("patches both the openclaw entries and the nested pi-ai, and never touches SRC", async () => {
    expect(readlinkSync(patched)).toBe(`openclaw.clawmend-${digest.slice(0, 16)}`);
    expect(existsSync(join(patched, ".clawmend/manifest.json"))).toBe(true);
    expect(existsSync(join(patched, "node_modules/@mariozechner/pi-ai/.clawmend/manifest.json"))).toBe(true);
    // Every file SRC's stat says was touched since is read again (see tree.ts).
    expect(await snapshot(src, { times: true, reuse: pristine })).toEqual(pristine);
  });

  it("rebuild twice: the same digest, nothing copied or swapped; a fresh DEST gets an identical tree", async () => {
    const again = await runCli(["rebuild", "--from", src, "--to", patched, "--json"], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    // every byte of SRC and of the build hashed again and found as recorded: nothing copied
    expect(JSON.parse(again.stdout)).toMatchObject({ digest, unchanged: true, copied: false, ms: { copy: 0, patch: 0 } });
    other = join(work, "other", "openclaw");
    const fresh = await runCli(["rebuild", "--from", src, "--to", other], { cwd: work });
    expect(digestOf(fresh.stdout)).toBe(digest);
    otherTree = await snapshot(realpathSync(other), { times: true });
    expect(otherTree).toEqual(await snapshot(realpathSync(patched), { times: true }));
  }, 1_200_000);

  it("revert --root DEST restores SRC's bytes exactly", async () => {
    const reverted = await runCli(["revert", "--root", other], { cwd: work });
    expect(reverted.code, reverted.stderr).toBe(0);
    // Both read again wherever their stat moved since the earlier snapshot: the reverted files.
    expect(await snapshot(realpathSync(other), { reuse: otherTree })).toEqual(await snapshot(src, { reuse: pristine }));
  }, 600_000);

  it("DEST runs standalone under Node 22 with SRC moved away", async () => {
    const node = await nodeBinary(22);
    const away = `${src}-moved-away`;
    renameSync(src, away);
    try {
      const r = await runNode(node, [join(patched, "openclaw.mjs"), "--version"], { cwd: work, env: { HOME: join(work, "home") } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("2026.2.26");
    } finally {
      renameSync(away, src);
    }
  }, 600_000);

  // Mid-copy kills are covered on a fixture tree (rebuild.test.ts); here the patch phase of a real tree.
  it("SIGKILL mid-patch leaves DEST intact and working; the next run converges", async () => {
    const node = await nodeBinary(22);
    const parent = join(work, "patched");
    const tmpOf = () => readdirSync(parent).find((n) => n.startsWith("openclaw.clawmend-tmp-"));
    const points: Array<[string, () => boolean]> = [
      [
        "mid-patch",
        () => {
          const tmp = tmpOf();
          return Boolean(tmp && existsSync(join(parent, tmp, ".clawmend.lock")));
        },
      ],
    ];
    for (const [label, when] of points) {
      // Other inputs than DEST's build (an unchanged rebuild copies and patches nothing): a full rebuild.
      const child = startBin(["rebuild", "--from", src, "--to", patched, "--skip", "network-interfaces-guard"], { cwd: work });
      const hit = await waitFor(when, child, 600_000);
      child.kill("SIGKILL");
      await exited(child);
      expect(hit, `${label} reached`).toBe(true);
      expect(readlinkSync(patched), label).toBe(`openclaw.clawmend-${digest.slice(0, 16)}`);
      const r = await runNode(node, [join(patched, "openclaw.mjs"), "--version"], { cwd: work, env: { HOME: join(work, "home") } });
      expect(r.stdout, `${label}: ${r.stderr}`).toContain("2026.2.26");
      expect(
        readdirSync(parent).some((n) => n.startsWith("openclaw.clawmend-tmp-")),
        `${label}: leftover to clean`,
      ).toBe(true);
    }
    // The next run removes the leftovers and finds the existing build intact (it re-hashes it and SRC).
    const next = await runCli(["rebuild", "--from", src, "--to", patched, "--json"], { cwd: work });
    expect(next.code, next.stderr).toBe(0);
    const report = JSON.parse(next.stdout);
    expect(report).toMatchObject({ digest, unchanged: true, copied: false });
    expect(report.removed.some((p: string) => p.includes("openclaw.clawmend-tmp-"))).toBe(true);
    expect(readdirSync(parent).sort()).toEqual(["openclaw", `openclaw.clawmend-${digest.slice(0, 16)}`, "openclaw.clawmend-rebuild.json"]);
  }, 1_200_000);
});

describe(`doctor on real ${SPEC}`, () => {
  // The Node the operator's PATH and unit run openclaw with: one its engines accept.
  let node22 = "";
  beforeAll(async () => {
    node22 = await nodeBinary(22);
  });
  function binWith(target: string | null): string {
    const bin = join(work, `bin-${Math.random().toString(36).slice(2)}`);
    mkdirSync(bin);
    symlinkSync(node22, join(bin, "node"));
    if (target) symlinkSync(join(target, "openclaw.mjs"), join(bin, "openclaw"));
    return bin;
  }
  function unitDir(execStartTarget: string): string {
    const dir = join(work, `units-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(dir, "openclaw-gateway.service.d"), { recursive: true });
    // the packaged unit runs the global install; an operator's drop-in overrides ExecStart
    writeFileSync(
      join(dir, "openclaw-gateway.service"),
      `[Unit]\nDescription=OpenClaw gateway\n[Service]\nExecStart=${node22} ${patched}/dist/index.js gateway\nRestart=on-failure\n`,
    );
    writeFileSync(
      join(dir, "openclaw-gateway.service.d", "override.conf"),
      `[Service]\nExecStart=\nExecStart=${node22} ${execStartTarget}/dist/index.js gateway --port 18789\n`,
    );
    return dir;
  }
  const problems = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("problem:"));

  it("flags the unpatched runtime on PATH", async () => {
    const bin = binWith(plain);
    const r = await runCli(["doctor", "--unit-dir", join(work, "no-units"), "--root", patched], {
      cwd: work,
      env: onlyPath(bin),
      exactEnv: true,
    });
    expect(r.code, r.stdout).toBe(1);
    // the runtime itself, and the pi-ai copy it resolves (one line each)
    expect(problems(r.stdout)).toHaveLength(2);
    expect(problems(r.stdout)[1]).toMatch(/resolves @mariozechner\/pi-ai@0\.55\.1 .* which is not patched/);
    expect(problems(r.stdout)[0]).toMatch(
      /^problem: openclaw on PATH \(.* -> .*\/openclaw\/openclaw\.mjs\) is not patched \(runtime-overlay unpatched/,
    );
    expect(problems(r.stdout)[0]).toContain(`the patched runtime is ${realpathSync(patched)}`);
  });

  it("flags a runtime whose nested pi-ai is unpatched", async () => {
    const r = await runCli(["doctor", "--root", partial, "--unit-dir", join(work, "no-units"), "--json"], {
      cwd: work,
      env: onlyPath(binWith(null)),
      exactEnv: true,
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const pi = report.runtimes[0].providers.find((p: { package: string }) => p.package === "@mariozechner/pi-ai");
    expect(pi).toMatchObject({ version: "0.55.1", relDir: "node_modules/@mariozechner/pi-ai", patched: false });
    const lines = report.findings.filter((f: { severity: string }) => f.severity === "problem").map((f: { message: string }) => f.message);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /resolves @mariozechner\/pi-ai@0\.55\.1 from .*node_modules\/@mariozechner\/pi-ai, which is not patched \(vllm-tool-gate unpatched\)/,
    );
  });

  it("flags a unit whose ExecStart (after a drop-in reset) points at an unpatched tree", async () => {
    const units = unitDir(plain);
    const r = await runCli(["doctor", "--unit-dir", units, "--root", patched], { cwd: work, env: onlyPath(binWith(null)), exactEnv: true });
    expect(r.code, r.stdout).toBe(1);
    const lines = problems(r.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/resolves @mariozechner\/pi-ai@0\.55\.1 .* which is not patched/);
    expect(lines[0]).toContain(`the service executes ${realpathSync(plain)}/dist/index.js, which is not patched`);
    expect(lines[0]).toContain(
      `the patched runtime is ${realpathSync(patched)}; point ExecStart at ${realpathSync(patched)}/dist/index.js`,
    );
  });

  it("passes a clean patched runtime (PATH, service and --root all on it)", async () => {
    const r = await runCli(["doctor", "--unit-dir", unitDir(patched), "--root", patched, "--json"], {
      cwd: work,
      env: onlyPath(binWith(patched)),
      exactEnv: true,
    });
    const report = JSON.parse(r.stdout);
    expect(report.findings.filter((f: { severity: string }) => f.severity === "problem")).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.runtimes).toHaveLength(1);
    expect(report.runtimes[0].sources.sort()).toEqual(["path", "root", "service"]);
    expect(report.runtimes[0].providers.find((p: { package: string }) => p.package === "@mariozechner/pi-ai")).toMatchObject({
      patched: true,
    });
  });
});

import { runOkSync } from "../support/run.js";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeOpenclawFixture } from "../support/openclaw-fixture.js";
import { exited, runCli, startBin, waitFor } from "../support/cli.js";
import { snapshot, type Snapshot } from "../support/tree.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) {
    runOkSync("chmod", ["-R", "u+w", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function work(): string {
  const dir = mkdtempSync(join(tmpdir(), "clawmend-rebuild-"));
  made.push(dir);
  return dir;
}

function digestOf(stdout: string): string {
  const match = /^digest ([0-9a-f]{64})$/m.exec(stdout);
  if (!match) throw new Error(`no digest in:\n${stdout}`);
  return match[1]!;
}

function versionOf(dest: string): string {
  return runOkSync(process.execPath, [join(dest, "openclaw.mjs"), "--version"]).stdout.trim();
}

describe("clawmend rebuild (fixture)", () => {
  it("refuses bad paths with one line and writes nothing", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "src"));
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "other", "package.json"), '{"name":"not-openclaw","version":"1.0.0"}');
    mkdirSync(join(dir, "mine"));
    writeFileSync(join(dir, "mine", "notes.txt"), "keep me");
    const before = await snapshot(dir, { times: true });
    const cases: Array<[string[], RegExp]> = [
      [["--from", join(dir, "missing"), "--to", join(dir, "out")], /--from .*missing: not found/],
      [["--from", join(dir, "other"), "--to", join(dir, "out")], /not an openclaw package \(package.json name is "not-openclaw"\)/],
      [["--from", join(dir, "mine"), "--to", join(dir, "out")], /not an openclaw package \(no readable package.json\)/],
      [["--from", src, "--to", join(src, "runtime")], /is inside --from/],
      [["--from", src, "--to", dir], /--from .* is inside --to/],
      [["--from", src, "--to", src], /same directory/],
      [["--from", src, "--to", join(dir, "mine")], /exists and is not an openclaw runtime/],
      [["--from", src], /rebuild needs --to/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["rebuild", ...args], { cwd: tmpdir() });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(await snapshot(dir, { times: true })).toEqual(before);
  });

  it("builds a standalone runtime, never touches SRC, and is reproducible (tree and digest)", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "global", "openclaw"));
    const pristine = await snapshot(src, { times: true });
    const dest = join(dir, "runtime", "openclaw");

    const first = await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
    expect(first.code, first.stderr).toBe(0);
    const digest = digestOf(first.stdout);
    expect(lstatSync(dest).isSymbolicLink()).toBe(true);
    expect(readlinkSync(dest)).toBe(`openclaw.clawmend-${digest.slice(0, 16)}`);
    const tree1 = await snapshot(dest + "/", { times: true });
    expect(tree1.get("dist/entry.js")).toBeDefined();
    expect(readFileSync(join(dest, "dist/entry.js"), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n\/\*@clawmend runtime-overlay@/);
    // the absolute link into SRC became relative; the .bin link kept its text
    expect(readlinkSync(join(dest, "node_modules/dep-a-abs"))).toBe("dep-a");
    expect(readlinkSync(join(dest, "node_modules/.bin/dep-a"))).toBe("../dep-a/cli.js");
    expect(tree1.get("node_modules/ro-pkg")).toMatch(/^dir 555/);
    expect(await snapshot(src, { times: true })).toEqual(pristine);

    // Same inputs again: same digest, same tree (bytes, modes, links, times), nothing swapped.
    const second = await runCli(["rebuild", "--from", src, "--to", dest, "--json"], { cwd: tmpdir() });
    expect(second.code, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout);
    expect(report.digest).toBe(digest);
    expect(report.unchanged).toBe(true);
    expect(report.copied).toBe(false); // the source and the build were hashed, nothing copied (reuse.test.ts)
    const human = await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
    expect(human.stdout).toMatch(/^unchanged .*\n {2}from .*: \d+ files, \d+ MB, the same as when it was built: nothing copied \(/);
    expect(digestOf(human.stdout)).toBe(digest);
    expect(await snapshot(dest + "/", { times: true })).toEqual(tree1);

    // A fresh DEST elsewhere from the same SRC: the same digest and the same tree.
    const other = join(dir, "elsewhere", "rt");
    const third = await runCli(["rebuild", "--from", src, "--to", other], { cwd: tmpdir() });
    expect(digestOf(third.stdout)).toBe(digest);
    expect(await snapshot(other + "/", { times: true })).toEqual(tree1);

    // Standalone: SRC moved away, the runtime still runs.
    renameSync(join(dir, "global"), join(dir, "global-away"));
    try {
      expect(versionOf(dest)).toBe("2026.2.26 dep-b-ok");
    } finally {
      renameSync(join(dir, "global-away"), join(dir, "global"));
    }
    expect(await snapshot(src, { times: true })).toEqual(pristine);
  });

  it("a changed SRC gives a new digest; the previous build is kept, older ones collected", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "src"));
    const dest = join(dir, "rt");
    const d1 = digestOf((await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() })).stdout);
    writeFileSync(join(src, "node_modules/dep-a/node_modules/dep-b/index.js"), 'module.exports = () => "dep-b-v2";\n');
    const r2 = await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
    const d2 = digestOf(r2.stdout);
    expect(d2).not.toBe(d1);
    expect(r2.stdout).toContain(`previous build kept: ${join(dir, `rt.clawmend-${d1.slice(0, 16)}`)}`);
    expect(versionOf(dest)).toBe("2026.2.26 dep-b-v2");
    writeFileSync(join(src, "node_modules/dep-a/node_modules/dep-b/index.js"), 'module.exports = () => "dep-b-v3";\n');
    const r3 = await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
    const d3 = digestOf(r3.stdout);
    expect(r3.stdout).toContain(`removed ${join(dir, `rt.clawmend-${d1.slice(0, 16)}`)}`);
    expect(readdirSync(dir).sort()).toEqual(
      ["rt", `rt.clawmend-${d2.slice(0, 16)}`, `rt.clawmend-${d3.slice(0, 16)}`, "rt.clawmend-rebuild.json", "src"].sort(),
    );
  });

  it("a different config gives a different digest", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "src"));
    const a = digestOf((await runCli(["rebuild", "--from", src, "--to", join(dir, "a")], { cwd: tmpdir() })).stdout);
    writeFileSync(join(dir, "patches.config.mjs"), "export default { vllm: { toolCalling: { enabled: true } } };\n");
    const b = await runCli(["rebuild", "--from", src, "--to", join(dir, "b"), "--config", join(dir, "patches.config.mjs")], {
      cwd: tmpdir(),
    });
    expect(b.code, b.stderr).toBe(0);
    expect(digestOf(b.stdout)).not.toBe(a);
  });

  it("replaces a hand-made mirror directory once, keeping it aside", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "src"));
    const dest = makeOpenclawFixture(join(dir, "rt"), "2026.1.1");
    const r = await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
    expect(r.code, r.stderr).toBe(0);
    const aside = /moved to (\S+) \(kept/.exec(r.stdout)?.[1];
    expect(aside).toBeDefined();
    expect(JSON.parse(readFileSync(join(aside!, "package.json"), "utf8")).version).toBe("2026.1.1");
    expect(versionOf(dest)).toBe("2026.2.26 dep-b-ok");
  });

  it("revert --root DEST restores SRC's bytes exactly", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "src"));
    const dest = join(dir, "rt");
    expect((await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() })).code).toBe(0);
    const r = await runCli(["revert", "--root", dest], { cwd: tmpdir() });
    expect(r.code, r.stderr).toBe(0);
    const real = realpathSync(dest);
    // the one difference by design: the absolute link into SRC is relative in DEST
    const expected = new Map(await snapshot(src)).set("node_modules/dep-a-abs", "link -> dep-a");
    expect(await snapshot(real)).toEqual(expected);
    expect(existsSync(join(real, ".clawmend"))).toBe(false);
  });

  it("a required patch that cannot apply: exit 3 and DEST left as it was", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "src"));
    const dest = join(dir, "rt");
    expect((await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() })).code).toBe(0);
    const before = await snapshot(dir, { times: true, skip: (rel) => rel.startsWith("src") });
    const broken = makeOpenclawFixture(join(dir, "broken"));
    rmSync(join(broken, "dist/entry.js"));
    rmSync(join(broken, "dist/index.js"));
    const r = await runCli(["rebuild", "--from", broken, "--to", dest], { cwd: tmpdir() });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/runtime-overlay.*left as it was/);
    expect(await snapshot(dir, { times: true, skip: (rel) => rel.startsWith("src") || rel.startsWith("broken") })).toEqual(before);
  });
});

describe("clawmend rebuild killed (fixture with many files)", () => {
  it("SIGKILL mid-copy and mid-patch leaves the previous DEST working; the next run converges", async () => {
    const dir = work();
    const src = makeOpenclawFixture(join(dir, "src"));
    // enough files that a copy takes a while (1,500 files of 10 kB: the mid-copy kill below checks
    // that it landed before patching began, with a margin for a loaded machine)
    for (let p = 0; p < 30; p++) {
      const pkg = join(src, "node_modules", `bulk-${p}`);
      mkdirSync(pkg, { recursive: true });
      writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: `bulk-${p}`, version: "1.0.0" }));
      for (let f = 0; f < 50; f++) writeFileSync(join(pkg, `f${f}.js`), `// ${p}/${f}\n${"x".repeat(10_000)}\n`);
    }
    const dest = join(dir, "rt");
    const first = await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
    expect(first.code, first.stderr).toBe(0);
    const digest = digestOf(first.stdout);
    const good = await snapshot(dest + "/");
    // SRC changes, then rebuilds are killed at several points.
    writeFileSync(join(src, "node_modules/dep-a/node_modules/dep-b/index.js"), 'module.exports = () => "dep-b-v2";\n');
    const tmpOf = () => readdirSync(dir).find((n) => n.startsWith("rt.clawmend-tmp-"));
    const points: Array<[string, () => boolean]> = [
      ["mid-copy", () => Boolean(tmpOf())],
      [
        "mid-patch",
        () => {
          const tmp = tmpOf();
          return Boolean(tmp && existsSync(join(dir, tmp, ".clawmend.lock")));
        },
      ],
    ];
    for (const [label, when] of points) {
      const child = startBin(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
      const hit = await waitFor(when, child);
      child.kill("SIGKILL");
      const end = await exited(child);
      expect(hit, `${label}: reached`).toBe(true);
      expect(end.signal, label).toBe("SIGKILL");
      if (label === "mid-copy") {
        // the half-built tree has no lock yet: the kill came while copying, before the patch step
        const tmp = tmpOf();
        expect(tmp, label).toBeDefined();
        expect(existsSync(join(dir, tmp!, ".clawmend.lock")), `${label}: killed before patching began`).toBe(false);
      }
      expect(readlinkSync(dest), label).toBe(`rt.clawmend-${digest.slice(0, 16)}`);
      expect(await snapshot(dest + "/"), label).toEqual(good);
      expect(versionOf(dest), label).toBe("2026.2.26 dep-b-ok");
    }
    const next = await runCli(["rebuild", "--from", src, "--to", dest], { cwd: tmpdir() });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/removed .*rt\.clawmend-tmp-/);
    expect(versionOf(dest)).toBe("2026.2.26 dep-b-v2");
    expect(readdirSync(dir).filter((n) => n.includes("clawmend-tmp") || n.includes("clawmend-link") || n.endsWith(".lock"))).toEqual([]);
    // converged: a clean build from scratch gives the same digest
    const fresh = await runCli(["rebuild", "--from", src, "--to", join(dir, "fresh")], { cwd: tmpdir() });
    expect(digestOf(fresh.stdout)).toBe(digestOf(next.stdout));
  }, 180_000);
});

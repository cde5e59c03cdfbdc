/**
 * The unchanged rebuild that copies nothing (src/rebuild/record.ts): what lets a rebuild skip the
 * copy, and every difference that must still give a full one. Through the library, on the
 * miniature install of test/support/openclaw-fixture.ts.
 */
import {
  chmodSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import type { RunConfig } from "../../src/engine/run.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { rebuild, type RebuildPhase, type RebuildReport } from "../../src/rebuild/rebuild.js";
import { recordName } from "../../src/rebuild/record.js";
import { makeOpenclawFixture } from "../support/openclaw-fixture.js";
import { snapshot, tempDir } from "../support/tree.js";

const builtin: RunConfig = { file: null, digest: null, patches: builtinPatches(defaultSettings()) };

async function run(src: string, dest: string, extra: { config?: RunConfig; skip?: string[] } = {}) {
  const phases = new Set<RebuildPhase>();
  const report = await rebuild({
    src,
    dest,
    config: extra.config ?? builtin,
    ...(extra.skip ? { skip: extra.skip } : {}),
    workers: 2,
    onProgress: (phase) => phases.add(phase),
  });
  expect(report.exitCode, report.refused).toBe(0);
  return { report, phases: [...phases].sort() };
}

/** A fixture SRC and a DEST built from it once (by a full rebuild). */
async function built(): Promise<{ dir: string; src: string; dest: string; first: RebuildReport }> {
  const dir = tempDir("clawmend-reuse-");
  const src = makeOpenclawFixture(join(dir, "src"));
  for (const rel of DECOYS) utimesSync(join(src, rel), MTIME, MTIME);
  const dest = join(dir, "rt", "openclaw");
  const { report: first } = await run(src, dest);
  expect(first.copied).toBe(true);
  return { dir, src, dest, first };
}

/** Whole seconds, so that a decoy can put a file's mtime back to the nanosecond. */
const MTIME = 1_700_000_000;
const DECOYS = ["node_modules/dep-a/node_modules/dep-b/index.js", "dist/index.js"];

/** Rewrites a file with other bytes of the same size, and puts its mtime (and atime) back. */
function decoy(path: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const before = statSync(path, { bigint: true });
  expect(before.mtimeNs).toBe(BigInt(MTIME) * 1_000_000_000n);
  const text = readFileSync(path, "utf8");
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
  utimesSync(path, MTIME, MTIME);
  const after = statSync(path, { bigint: true });
  expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
}

describe("an unchanged rebuild copies nothing", () => {
  it("same source, config and clawmend: the build is checked and kept, nothing is copied, patched or written", async () => {
    const { src, dest, first } = await built();
    const store = realStore(dest);
    const tree = await snapshot(store, { times: true });
    const record = readFileSync(join(dest, "..", recordName(dest)), "utf8");
    const { report, phases } = await run(src, dest);
    expect(report).toMatchObject({ digest: first.digest, unchanged: true, copied: false, target: first.target, files: first.files });
    expect(report.bytes).toBe(first.bytes);
    expect(phases).toEqual(["check", "swap"]);
    expect(report.ms.copy + report.ms.patch).toBe(0);
    // every patch reported as the verify of the kept build sees it
    expect(report.patch.mode).toBe("verify");
    expect(report.patch.copies.map((c) => c.digest)).toEqual(first.patch.copies.map((c) => c.digest));
    expect(await snapshot(store, { times: true })).toEqual(tree);
    expect(readFileSync(join(dest, "..", recordName(dest)), "utf8")).toBe(record);
  });

  it("runtime debris in SRC (what a mirror skips) does not call for a copy", async () => {
    const { src, dest, first } = await built();
    writeFileSync(join(src, "dist", "index.js.clawmend-tmp"), "half-written");
    const { report } = await run(src, dest);
    expect(report).toMatchObject({ digest: first.digest, copied: false });
  });
});

describe("an unchanged rebuild still copies when anything differs", () => {
  const sourceChanges: Array<[string, (src: string) => void]> = [
    [
      "one byte of a dependency, same size and mtime (a decoy)",
      (src) => decoy(join(src, "node_modules/dep-a/node_modules/dep-b/index.js"), "dep-b-ok", "dep-b-OK"),
    ],
    ["one byte of a file no patch reads, same size and mtime", (src) => decoy(join(src, "dist/index.js"), "fixture", "fixturE")],
    ["a file's mode", (src) => chmodSync(join(src, "dist/index.js"), 0o600)],
    ["a directory's mode", (src) => chmodSync(join(src, "dist"), 0o700)],
    ["a new file", (src) => writeFileSync(join(src, "dist/new.js"), "export {};\n")],
    ["a removed file", (src) => unlinkSync(join(src, "dist/tailnet-Ca1WnFBq.js"))],
    [
      "a link's target",
      (src) => {
        unlinkSync(join(src, "node_modules/.bin/dep-a"));
        symlinkSync("../dep-a/index.js", join(src, "node_modules/.bin/dep-a"));
      },
    ],
    [
      "a file swapped for a link to the same bytes",
      (src) => {
        renameSync(join(src, "node_modules/dep-a/index.js"), join(src, "node_modules/dep-a/index-moved.js"));
        symlinkSync("index-moved.js", join(src, "node_modules/dep-a/index.js"));
      },
    ],
  ];
  for (const [what, change] of sourceChanges) {
    it(`SRC: ${what}`, async () => {
      const { src, dest, first } = await built();
      change(src);
      const { report, phases } = await run(src, dest);
      expect(report.copied).toBe(true);
      expect(phases).toContain("copy");
      expect(report.digest).not.toBe(first.digest);
      expect(report.unchanged).toBe(false);
      // and the copy it made is recorded: the next run is the cheap one again
      expect((await run(src, dest)).report).toMatchObject({ digest: report.digest, copied: false });
    });
  }

  it("the kept build was edited (same size and mtime): rebuilt and put back, under the same digest", async () => {
    const { src, dest, first } = await built();
    const store = realStore(dest);
    const file = join(store, "node_modules/dep-a/node_modules/dep-b/index.js");
    chmodSync(join(file, ".."), 0o755);
    decoy(file, "dep-b-ok", "dep-b-XX");
    const { report } = await run(src, dest);
    expect(report).toMatchObject({ digest: first.digest, copied: true });
    expect(readFileSync(join(dest, "node_modules/dep-a/node_modules/dep-b/index.js"), "utf8")).toContain("dep-b-ok");
  });

  it("other options of a patch, another config file, or another --skip", async () => {
    const { src, dest, first } = await built();
    const settings = defaultSettings();
    settings.vllm.toolCalling.enabled = true;
    const other: RunConfig = { file: null, digest: null, patches: builtinPatches(settings) };
    const a = await run(src, dest, { config: other });
    expect(a.report).toMatchObject({ copied: true });
    expect(a.report.digest).not.toBe(first.digest);
    const b = await run(src, dest, { config: { ...builtin, file: "/elsewhere/patches.config.ts", digest: "d" } });
    expect(b.report).toMatchObject({ copied: true });
    const c = await run(src, dest, { skip: ["network-interfaces-guard"] });
    expect(c.report).toMatchObject({ copied: true });
    expect(c.report.digest).not.toBe(first.digest);
    // back to the first inputs: their build was collected, so it is built again
    expect((await run(src, dest)).report).toMatchObject({ digest: first.digest, copied: true });
    expect((await run(src, dest)).report).toMatchObject({ digest: first.digest, copied: false });
  });

  it("a patch whose version changed", async () => {
    const { src, dest } = await built();
    const bumped: RunConfig = {
      ...builtin,
      patches: builtin.patches.map((p) => (p.id === "network-interfaces-guard" ? { ...p, version: p.version + 1 } : p)),
    };
    expect((await run(src, dest, { config: bumped })).report.copied).toBe(true);
  });

  it("DEST re-pointed at another build by hand", async () => {
    const { src, dest, first } = await built();
    writeFileSync(join(src, "dist/new.js"), "export {};\n");
    const second = (await run(src, dest)).report;
    expect(second.previous).toBe(first.target);
    unlinkSync(join(src, "dist/new.js"));
    // back to the first build (kept as the previous one); the record names the second
    unlinkSync(dest);
    symlinkSync(basename(first.target!), dest);
    const { report } = await run(src, dest);
    expect(report).toMatchObject({ digest: first.digest, copied: true, unchanged: true });
    expect((await run(src, dest)).report).toMatchObject({ digest: first.digest, copied: false });
  });

  const records: Array<[string, (path: string, dest: string) => void]> = [
    ["missing", (path) => rmSync(path)],
    ["not JSON", (path) => writeFileSync(path, "{")],
    [
      "naming a path outside the builds",
      (path) => writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), store: "../../etc" })),
    ],
    [
      "a link to a copy of itself",
      (path) => {
        renameSync(path, `${path}.real`);
        symlinkSync(`${path}.real`, path);
      },
    ],
    [
      "claiming another source",
      (path) => writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), source: "0".repeat(64) })),
    ],
  ];
  for (const [what, spoil] of records) {
    it(`the record beside DEST: ${what}`, async () => {
      const { src, dest, first } = await built();
      const path = join(dest, "..", recordName(dest));
      spoil(path, dest);
      const { report } = await run(src, dest);
      // a full rebuild, which finds the same build intact and keeps it
      expect(report).toMatchObject({ digest: first.digest, copied: true, unchanged: true });
      expect(lstatSync(path).isFile()).toBe(true);
      expect((await run(src, dest)).report).toMatchObject({ copied: false });
    });
  }
});

function realStore(dest: string): string {
  return join(dest, "..", readlinkSync(dest));
}

import { runSync } from "../support/run.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  answers,
  holdsAnyNeedle,
  NOT_SCANNED,
  READ_IT,
  SCAN_BATCH,
  scanOneBatch,
  toBuffers,
  type SharedScan,
} from "../../src/engine/needle-scan.js";
import { PARALLEL_SCAN_FROM, scanForNeedles } from "../../src/engine/parallel-scan.js";
import { REPO } from "../support/paths.js";
import { tempDir } from "../support/tree.js";

const CHUNK = 256 * 1024;
const NEEDLE = "networkInterfaces";

/** A file of `size` bytes of filler with `needle` written at `at`. */
function fileWith(size: number, at: number | null, needle = NEEDLE): string {
  const bytes = Buffer.alloc(size, "x");
  if (at !== null) bytes.write(needle, at);
  const path = join(tempDir(), "f.js");
  writeFileSync(path, bytes);
  return path;
}

describe("holdsAnyNeedle (the chunked prefilter read)", () => {
  const needles = [Buffer.from(NEEDLE)];

  it.each([
    ["at the start", CHUNK * 3, 0],
    ["straddling the first chunk boundary", CHUNK * 3, CHUNK - 5],
    ["ending exactly at a chunk boundary", CHUNK * 3, CHUNK - NEEDLE.length],
    ["starting exactly at a chunk boundary", CHUNK * 3, CHUNK],
    ["straddling a later boundary", CHUNK * 3, CHUNK * 2 - 1],
    ["at the very end", CHUNK * 2 + 7, CHUNK * 2 + 7 - NEEDLE.length],
    ["in a file shorter than a chunk", 100, 50],
  ])("finds a needle %s", (_name, size, at) => {
    expect(holdsAnyNeedle(fileWith(size, at), needles)).toBe(true);
  });

  it.each([
    ["a file without it", CHUNK * 3],
    ["an empty file", 0],
  ])("finds none in %s", (_name, size) => {
    expect(holdsAnyNeedle(fileWith(size, null), needles)).toBe(false);
  });

  it("a part of the needle on each side of a boundary, never whole, is not a match", () => {
    const path = fileWith(CHUNK * 2, CHUNK - 7, "networkInter");
    expect(holdsAnyNeedle(path, needles)).toBe(false);
  });

  it("any of several needles, of different lengths, across a boundary", () => {
    const path = fileWith(CHUNK * 2, CHUNK - 3, "buildParams");
    expect(holdsAnyNeedle(path, [Buffer.from(NEEDLE), Buffer.from("buildParams")])).toBe(true);
    expect(holdsAnyNeedle(path, [Buffer.from(NEEDLE), Buffer.from("buildOpenAICompletionsParams")])).toBe(false);
  });
});

describe("scanForNeedles (the prefilter over many files, with a second thread from PARALLEL_SCAN_FROM files)", () => {
  /** 600 files: every 7th holds NEEDLE, every 11th "buildParams", one is a directory (unreadable as a file), one is missing. */
  function plant(): { paths: string[]; setOf: Int32Array; expected: boolean[] } {
    const dir = tempDir();
    const paths: string[] = [];
    const setOf: number[] = [];
    const expected: boolean[] = [];
    for (let i = 0; i < 600; i += 1) {
      const path = join(dir, `f${i}.js`);
      const text = i % 7 === 0 ? `x ${NEEDLE} y` : i % 11 === 0 ? "buildParams" : "nothing here";
      if (i === 300) mkdirSync(path);
      else if (i !== 301) writeFileSync(path, text);
      paths.push(path);
      setOf.push(i % 2);
      // set 0: [NEEDLE]; set 1: [NEEDLE, "buildParams"]; an unreadable file is "read it" (the reader reports its error)
      expected.push(i === 300 || i === 301 || i % 7 === 0 || (i % 2 === 1 && i % 11 === 0));
    }
    return { paths, setOf: Int32Array.from(setOf), expected };
  }
  const sets = [[NEEDLE], [NEEDLE, "buildParams"]];

  it("answers the same on one thread and on two, file by file", async () => {
    const { paths, setOf, expected } = plant();
    expect(await scanForNeedles(paths, sets, setOf, Infinity)).toEqual(expected);
    expect(await scanForNeedles(paths, sets, setOf, 1)).toEqual(expected);
  });

  it("a process whose thread was started early exits on its own, whether the scan used the thread or not", () => {
    const { paths, setOf } = plant();
    const module = pathToFileURL(join(REPO, "dist", "engine", "parallel-scan.js")).href;
    const script = (parallelFrom: number) =>
      `import { scanForNeedles, startScanWorkerEarly } from ${JSON.stringify(module)};
       startScanWorkerEarly();
       const found = await scanForNeedles(${JSON.stringify(paths)}, ${JSON.stringify(sets)}, Int32Array.from(${JSON.stringify([...setOf])}), ${parallelFrom});
       console.log(found.filter(Boolean).length);`;
    for (const parallelFrom of [1, 1_000_000]) {
      // A script file: \`node -e\` exits when its code is done, whatever it left running.
      const file = join(tempDir(), "scan.mjs");
      writeFileSync(file, script(parallelFrom));
      const child = runSync(process.execPath, [file], { timeoutMs: 30_000 });
      expect(child.signal, `parallelFrom ${parallelFrom}: still running after 30 s`).toBeNull();
      expect(child.code, child.stderr).toBe(0);
      expect(Number(child.stdout)).toBeGreaterThan(0);
    }
  });

  it("the default starts a thread only for many files", () => {
    expect(PARALLEL_SCAN_FROM).toBeGreaterThan(600);
  });

  it("files a worker claimed and never finished are scanned by the main thread", () => {
    const { paths, setOf, expected } = plant();
    const scan: SharedScan = { paths, needleSets: sets, setOf, next: new Int32Array(1), states: new Uint8Array(paths.length) };
    const buffers = toBuffers(sets);
    // A "worker" that claimed the first batch and died before scanning it.
    Atomics.add(scan.next, 0, SCAN_BATCH);
    while (scanOneBatch(scan, buffers));
    expect(scan.states.slice(0, SCAN_BATCH).every((s) => s === NOT_SCANNED)).toBe(true);
    expect(Array.from(scan.states.slice(SCAN_BATCH), (s) => s === READ_IT)).toEqual(expected.slice(SCAN_BATCH));
    expect(answers(scan, buffers)).toEqual(expected);
  });
});

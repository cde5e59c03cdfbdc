/**
 * The prefilter's read: which files hold one of their needles. Runs in the main thread and in the
 * scan worker (`scan-worker.ts`), so it imports only Node's own modules.
 */
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 256 * 1024;
let chunk = Buffer.allocUnsafe(CHUNK);

/**
 * Whether a file holds any of `needles`, read in chunks of 256 KB with an overlap of the longest
 * needle, so that the buffer stays in the CPU's cache (reading each file whole into one large
 * buffer was a third slower on OpenClaw's dists). Stops at the first needle found.
 */
export function holdsAnyNeedle(path: string, needles: readonly Buffer[]): boolean {
  let keep = 0;
  for (const needle of needles) keep = Math.max(keep, needle.length - 1);
  if (chunk.length < keep * 4) chunk = Buffer.allocUnsafe(keep * 4);
  const fd = openSync(path, "r");
  try {
    let carry = 0;
    for (;;) {
      const n = readSync(fd, chunk, carry, chunk.length - carry, null);
      if (n === 0) return false;
      const end = carry + n;
      const view = chunk.subarray(0, end);
      for (const needle of needles) if (view.indexOf(needle) !== -1) return true;
      carry = Math.min(keep, end);
      chunk.copyWithin(0, end - carry, end);
    }
  } finally {
    closeSync(fd);
  }
}

/** What a scan knows of a file: not scanned yet, holds no needle, or must be read (a needle, or an error the reader will meet again). */
export const NOT_SCANNED = 0;
export const NO_NEEDLE = 1;
export const READ_IT = 2;

/** A scan shared between threads: each takes the next batch of files from `next` until none is left. */
export interface SharedScan {
  paths: readonly string[];
  /** The distinct needle sets, and each path's index into them. */
  needleSets: readonly (readonly string[])[];
  setOf: Int32Array;
  /** The next unclaimed index (one element, in shared memory). */
  next: Int32Array;
  /** One state per path (in shared memory). */
  states: Uint8Array;
}

export const SCAN_BATCH = 64;

/** Claims one batch and scans it; false when no file was left to claim. */
export function scanOneBatch(scan: SharedScan, needleSets: readonly Buffer[][]): boolean {
  const start = Atomics.add(scan.next, 0, SCAN_BATCH);
  if (start >= scan.paths.length) return false;
  const end = Math.min(start + SCAN_BATCH, scan.paths.length);
  for (let i = start; i < end; i += 1) {
    let state: number;
    try {
      state = holdsAnyNeedle(scan.paths[i]!, needleSets[scan.setOf[i]!]!) ? READ_IT : NO_NEEDLE;
    } catch {
      state = READ_IT;
    }
    Atomics.store(scan.states, i, state);
  }
  return true;
}

/** Each file's answer once no thread scans any more: a file claimed by a thread that failed before scanning it is scanned now. */
export function answers(scan: SharedScan, needleSets: readonly Buffer[][]): boolean[] {
  return Array.from(scan.states, (state, i) => {
    if (state !== NOT_SCANNED) return state === READ_IT;
    try {
      return holdsAnyNeedle(scan.paths[i]!, needleSets[scan.setOf[i]!]!);
    } catch {
      return true;
    }
  });
}

export const toBuffers = (sets: readonly (readonly string[])[]): Buffer[][] => sets.map((set) => set.map((needle) => Buffer.from(needle)));

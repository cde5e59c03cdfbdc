import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { webcrypto } from "node:crypto";
import { readRegularInside } from "../core/confine.js";
import { sha256 } from "../core/hash.js";
import { ORIGINALS_DIR } from "../verify/manifest.js";

let scratch = Buffer.allocUnsafe(1 << 20);

/**
 * The bytes of a file in a buffer reused by the next call (copy them to keep them). One open, one
 * fstat, reads until EOF (a file that grows while read is read whole). Most selected files fail
 * the prefilter: reading them into one buffer allocates nothing per file.
 */
export function readInto(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size + 1) scratch = Buffer.allocUnsafe(Math.max(size + 1, scratch.length * 2));
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, length);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, length, scratch.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return scratch.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** sha256 hex of `bytes`, computed off the main thread when large (the same digest as `sha256`). */
export async function sha256Async(bytes: Buffer): Promise<string> {
  if (bytes.length < 1 << 16) return sha256(bytes);
  return Buffer.from(await webcrypto.subtle.digest("SHA-256", bytes)).toString("hex");
}

/** The original of a file kept under `.clawmend/originals`, when it is there (a regular file) with the recorded hash. */
export function readOriginal(copyDir: string, file: string, expectedSha: string): Buffer | null {
  const bytes = readRegularInside(copyDir, `${ORIGINALS_DIR}/${file}`);
  return bytes !== null && sha256(bytes) === expectedSha ? bytes : null;
}

let lastYield = Date.now();

/** Lets timers run (the tree lock refreshes itself) during long planning: at most every 50 ms. */
export async function yieldToTimers(): Promise<void> {
  if (Date.now() - lastYield > 50) {
    await new Promise((resolve) => setImmediate(resolve));
    lastYield = Date.now();
  }
}

import type { Worker } from "node:worker_threads";
import { answers, NOT_SCANNED, scanOneBatch, toBuffers, type SharedScan } from "./needle-scan.js";
import { yieldToTimers } from "./read.js";
import { scanWorkerScript } from "./scan-worker.generated.js";

/** From this many files a second thread scans too: below it, starting the thread costs more than it saves. */
export const PARALLEL_SCAN_FROM = 2000;

/** A worker thread waiting for a scan; `gone` settles when it fails or exits (never rejects). */
interface ScanWorker {
  worker: Worker | null;
  gone: Promise<void>;
}

let waiting: ScanWorker | null = null;

/**
 * Starts the scan's second thread ahead of the scan (a thread takes ~50 ms to start on a small
 * machine: started when the walk has seen many files, it is up when the scan begins). Unused, it
 * keeps nothing alive.
 */
export function startScanWorkerEarly(): void {
  waiting ??= startWorker();
}

/**
 * Which of `paths` hold one of their needles (`needleSets[setOf[i]]`), or must be read to find
 * out (a file the scan could not read: the reader meets the same error and reports it). Scanned by
 * this thread and, for many files, a worker thread at once: each takes the next batch from a
 * shared index, so this thread starts at once and the worker joins when it is up. A file a failed
 * worker claimed but did not finish is scanned here.
 */
export async function scanForNeedles(
  paths: readonly string[],
  needleSets: readonly (readonly string[])[],
  setOf: Int32Array,
  parallelFrom = PARALLEL_SCAN_FROM,
): Promise<boolean[]> {
  const shared = typeof SharedArrayBuffer === "function" && paths.length >= parallelFrom;
  const scan: SharedScan = {
    paths,
    needleSets,
    setOf,
    next: new Int32Array(shared ? new SharedArrayBuffer(4) : new ArrayBuffer(4)),
    states: new Uint8Array(shared ? new SharedArrayBuffer(paths.length) : new ArrayBuffer(paths.length)),
  };
  let helper: ScanWorker | null = null;
  if (shared) {
    helper = waiting ?? startWorker();
    waiting = null;
    helper.worker?.postMessage(scan);
  }
  const buffers = toBuffers(needleSets);
  while (scanOneBatch(scan, buffers)) await yieldToTimers();
  if (helper?.worker) {
    // Nothing left to claim: wait only for a batch the worker is still on (or left when it failed).
    const { worker, gone } = helper;
    if (scan.states.includes(NOT_SCANNED)) await Promise.race([gone, new Promise((resolve) => worker.once("message", resolve))]);
    void worker.terminate();
  }
  return answers(scan, buffers);
}

/**
 * A worker that keeps nothing alive while it waits: unreferenced, and no `message` listener (one
 * would hold the process open) until it is given a scan.
 */
function startWorker(): ScanWorker {
  let worker: Worker;
  try {
    // Loaded here, not at the top: a run that never starts a thread does not pay for the module (~3 ms).
    const threads = process.getBuiltinModule("node:worker_threads") as typeof import("node:worker_threads");
    worker = new threads.Worker(scanWorkerScript, { eval: true });
  } catch {
    return { worker: null, gone: Promise.resolve() };
  }
  worker.unref();
  const gone = new Promise<void>((resolve) => {
    worker.once("error", () => resolve());
    worker.once("exit", () => resolve());
  });
  return { worker, gone };
}

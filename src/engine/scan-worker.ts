/**
 * The scan worker: a second thread taking batches of a {@link SharedScan} while the main thread
 * takes others (`parallel-scan.ts`). It may start before there is anything to scan, so the scan
 * comes as a message. Not imported: scripts/embed.mjs bundles it into `scanWorkerScript`
 * (scan-worker.generated.ts), started with `eval`, so the same text runs from src/, dist/ and the
 * command line's bundle.
 */
import { parentPort } from "node:worker_threads";
import { scanOneBatch, toBuffers, type SharedScan } from "./needle-scan.js";

parentPort?.on("message", (scan: SharedScan) => {
  const needleSets = toBuffers(scan.needleSets);
  while (scanOneBatch(scan, needleSets));
  parentPort!.postMessage("done");
});

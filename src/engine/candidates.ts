import { join } from "node:path";
import type { PatchSpec } from "../core/spec.js";
import { compareStrings, type PackageCopy } from "../discover/packages.js";
import { mayHoldSite } from "../transforms/plan.js";
import { readInto, sha256Async, yieldToTimers } from "./read.js";

/** A selected file that may hold a site: its bytes and hash, read once. */
export interface Candidate {
  file: string;
  /** Source specs whose prefilter matched. */
  specs: PatchSpec[];
  bytes: Buffer;
  sha: string;
}

/**
 * Reads every file the source specs select (but those in `skip`), keeps those a prefilter
 * matches, and hashes them (large ones off the main thread). In path order.
 */
export async function readCandidates(
  copy: PackageCopy,
  selections: ReadonlyArray<{ spec: PatchSpec; files: readonly string[] }>,
  skip: ReadonlySet<string>,
): Promise<Candidate[]> {
  const specsByFile = new Map<string, PatchSpec[]>();
  for (const { spec, files } of selections) {
    for (const file of files) {
      if (skip.has(file)) continue;
      const list = specsByFile.get(file);
      if (list) list.push(spec);
      else specsByFile.set(file, [spec]);
    }
  }
  const hits: Array<Omit<Candidate, "sha"> & { sha: Promise<string> }> = [];
  for (const [file, specs] of [...specsByFile].sort(([a], [b]) => compareStrings(a, b))) {
    await yieldToTimers();
    const scanned = readInto(join(copy.dir, file));
    const matched = specs.filter((spec) => mayHoldSite(spec, scanned));
    if (matched.length === 0) continue;
    const bytes = Buffer.from(scanned);
    hits.push({ file, specs: matched, bytes, sha: sha256Async(bytes) });
  }
  return Promise.all(hits.map(async (hit) => ({ ...hit, sha: await hit.sha })));
}

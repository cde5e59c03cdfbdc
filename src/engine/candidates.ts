import { join } from "node:path";
import type { PatchSpec } from "../core/spec.js";
import { compareStrings, type PackageCopy } from "../discover/packages.js";
import { mayHoldSite, sourceTransformOf } from "../transforms/plan.js";
import { holdsAnyNeedle, readInto, sha256Async, yieldToTimers } from "./read.js";

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
 * matches, and hashes them (large ones off the main thread). In path order. A file whose specs
 * all have a prefilter is scanned in chunks first; only a file that holds a needle is read whole
 * (and its specs matched again on the bytes it is planned from).
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
    const path = join(copy.dir, file);
    const needles = prefilterNeedles(specs);
    if (needles && !holdsAnyNeedle(path, needles)) continue;
    const bytes = Buffer.from(readInto(path));
    const matched = specs.filter((spec) => mayHoldSite(spec, bytes));
    if (matched.length === 0) continue;
    hits.push({ file, specs: matched, bytes, sha: sha256Async(bytes) });
  }
  return Promise.all(hits.map(async (hit) => ({ ...hit, sha: await hit.sha })));
}

const needlesOfSpec = new WeakMap<PatchSpec, Buffer[] | null>();

/** The prefilter needles of `specs` as bytes, or null when one of them has none (it reads every file). */
function prefilterNeedles(specs: readonly PatchSpec[]): Buffer[] | null {
  const needles: Buffer[] = [];
  for (const spec of specs) {
    let own = needlesOfSpec.get(spec);
    if (own === undefined) {
      const prefilter = sourceTransformOf(spec)?.prefilter;
      own = prefilter && prefilter.length > 0 ? prefilter.map((needle) => Buffer.from(needle)) : null;
      needlesOfSpec.set(spec, own);
    }
    if (own === null) return null;
    needles.push(...own);
  }
  return needles;
}

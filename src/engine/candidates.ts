import { join } from "node:path";
import type { PatchSpec } from "../core/spec.js";
import { compareStrings, type PackageCopy } from "../discover/packages.js";
import { mayHoldSite, sourceTransformOf } from "../transforms/plan.js";
import { scanForNeedles } from "./parallel-scan.js";
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
  const entries = [...specsByFile].sort(([a], [b]) => compareStrings(a, b));
  const holds = await scanNeedles(copy, entries);
  const hits: Array<Omit<Candidate, "sha"> & { sha: Promise<string> }> = [];
  for (const [i, [file, specs]] of entries.entries()) {
    if (holds[i] === false) continue;
    await yieldToTimers();
    const bytes = Buffer.from(readInto(join(copy.dir, file)));
    const matched = specs.filter((spec) => mayHoldSite(spec, bytes));
    if (matched.length === 0) continue;
    hits.push({ file, specs: matched, bytes, sha: sha256Async(bytes) });
  }
  return Promise.all(hits.map(async (hit) => ({ ...hit, sha: await hit.sha })));
}

/** Per entry: false when its specs' needles are in none of its bytes, true when a needle is, undefined when a spec has no prefilter. */
async function scanNeedles(copy: PackageCopy, entries: ReadonlyArray<[string, PatchSpec[]]>): Promise<Array<boolean | undefined>> {
  const paths: string[] = [];
  const at: number[] = [];
  const sets = new Map<string, number>();
  const needleSets: string[][] = [];
  const setOf: number[] = [];
  for (const [i, [file, specs]] of entries.entries()) {
    const needles = prefilterNeedles(specs);
    if (!needles) continue;
    const key = needles.join("\0");
    let set = sets.get(key);
    if (set === undefined) {
      set = needleSets.push(needles) - 1;
      sets.set(key, set);
    }
    paths.push(join(copy.dir, file));
    at.push(i);
    setOf.push(set);
  }
  const found = await scanForNeedles(paths, needleSets, Int32Array.from(setOf));
  const holds: Array<boolean | undefined> = new Array(entries.length);
  for (const [j, i] of at.entries()) holds[i] = found[j];
  return holds;
}

const needlesOfSpec = new WeakMap<PatchSpec, string[] | null>();

/** The prefilter needles of `specs`, or null when one of them has none (it reads every file). */
function prefilterNeedles(specs: readonly PatchSpec[]): string[] | null {
  if (specs.length === 1) return needlesOf(specs[0]!);
  const needles: string[] = [];
  for (const spec of specs) {
    const own = needlesOf(spec);
    if (own === null) return null;
    needles.push(...own);
  }
  return needles;
}

function needlesOf(spec: PatchSpec): string[] | null {
  let own = needlesOfSpec.get(spec);
  if (own === undefined) {
    const prefilter = sourceTransformOf(spec)?.prefilter;
    own = prefilter && prefilter.length > 0 ? [...prefilter] : null;
    needlesOfSpec.set(spec, own);
  }
  return own;
}

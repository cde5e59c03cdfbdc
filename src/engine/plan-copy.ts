import type { Dirent } from "node:fs";
import { readRegularInside } from "../core/confine.js";
import { sha256 } from "../core/hash.js";
import { satisfiesRange } from "../core/version-range.js";
import { isSourceTransform, type PatchSpec, type PatchTarget } from "../core/spec.js";
import { selectFiles } from "../discover/files.js";
import type { Listings } from "../discover/glob.js";
import type { PackageCopy } from "../discover/packages.js";
import { aggregate, decideOutsideRange, LINKED_TARGET, type Mode } from "../verify/decide.js";
import { readManifest } from "../verify/manifest-read.js";
import { sameManifest, type Manifest, type ManifestBody, type ManifestFile } from "../verify/manifest.js";
import type { FileResult, PatchResult } from "../verify/status.js";
import { checkAddedFiles, expectPlannedAdded, importersToReplan, readRecordedAdded } from "./added-files.js";
import { readCandidates } from "./candidates.js";
import {
  carriedEntries,
  changesOf,
  describeOtherwise,
  manifestOf,
  recordedFresh,
  type ExpectedAdded,
  type RunSettings,
} from "./copy-manifest.js";
import { ledgerPlanner, sourcePlanner } from "./file-planners.js";
import { PARALLEL_SCAN_FROM, startScanWorkerEarly } from "./parallel-scan.js";
import { planCopyFile, type CopyInPlanning, type FileWrite } from "./plan-copy-file.js";
import { yieldToTimers } from "./read.js";

export interface PlanCopyOptions extends RunSettings {
  /** Specs selected for this run. */
  selected: readonly PatchSpec[];
  /** Every spec of the config (re-deriving a file from its original re-applies those already there). */
  all: readonly PatchSpec[];
  mode: Mode;
  /** See `CopyInPlanning.beforePlanning`. */
  beforePlanning?: () => void;
}

export interface CopyPlan {
  copy: PackageCopy;
  results: PatchResult[];
  writes: FileWrite[];
  /** The manifest to write, or null when nothing about the copy changes. */
  manifest: ManifestBody | null;
  /** The manifest on disk (its digest is the copy's digest when nothing changes). */
  current: Manifest | null;
  /** What is wrong with the copy as a whole (its manifest is of another version). */
  problems: string[];
}

/** A selected spec with a target that applies to the copy, and the files that target selects. */
interface Applicable {
  spec: PatchSpec;
  target: PatchTarget;
  files: string[];
  links: string[];
}

/** The target of `spec` that applies to `copy`, null when none does, undefined when it names another package. */
export function applicableTarget(spec: PatchSpec, copy: Pick<PackageCopy, "name" | "version">): PatchTarget | null | undefined {
  const named = targetsNaming(spec, copy);
  if (named.length === 0) return undefined;
  return named.find((target) => !target.range || satisfiesRange(copy.version, target.range)) ?? null;
}

/**
 * Plans one package copy: reads it, classifies every file against the manifest, plans what
 * needs planning, and decides every status. Reads only; the caller writes.
 *
 * In order: the specs that apply, the source files (planned with `planCopyFile`), the files the
 * patches add, then the inventories, synced with every change the others leave.
 */
export async function planCopy(options: PlanCopyOptions): Promise<CopyPlan> {
  const { copy, mode } = options;
  const problems: string[] = [];
  let current = readManifest(copy.dir);
  if (current && (current.package.name !== copy.name || current.package.version !== copy.version)) {
    problems.push(
      `${copy.name} was ${current.package.version} when clawmend patched it, now ${copy.version} (reinstalled or updated)` +
        (mode === "patch" ? ": patched the new version" : ": run clawmend patch"),
    );
    current = null;
  }

  // A copy with no manifest of this version is planned whatever its files hold: a first pass
  // without the lock stops before reading any.
  if (current === null) options.beforePlanning?.();

  // 1. The specs that apply to this copy, and the files each selects.
  const { applicable, outOfRange } = await applicableSpecs(copy, options.selected);
  const results: PatchResult[] = [...outOfRange];

  const fileResults = new Map<string, FileResult[]>(applicable.map(({ spec }) => [spec.id, []]));
  const planning: CopyInPlanning = {
    dir: copy.dir,
    mode,
    current,
    isFresh: (entry, specs) => recordedFresh(current, entry, specs, options),
    report: (specId, result) => fileResults.get(specId)?.push(result),
    entries: {},
    writes: [],
    ...(options.beforePlanning ? { beforePlanning: options.beforePlanning } : {}),
  };
  for (const { spec, links } of applicable) for (const file of links) planning.report(spec.id, { file, ...LINKED_TARGET, sites: [] });
  const ledgers = applicable.filter(({ spec }) => !isSourceTransform(spec.transform));
  const ledgerFiles = new Set(ledgers.flatMap(({ files }) => files));

  // 2. Source files: every candidate read once. Recorded added files are checked first, so that
  //    a missing one gets its importers planned (and its content written) again.
  const candidates = await readCandidates(
    copy,
    applicable.filter(({ spec }) => isSourceTransform(spec.transform)),
    ledgerFiles,
  );
  const recordedAdded = readRecordedAdded(copy.dir, current);
  const replan = importersToReplan(recordedAdded, mode);
  const rederive = options.all.filter((spec) => isSourceTransform(spec.transform) && applicableTarget(spec, copy));
  const added = new Map<string, ExpectedAdded>();
  let planned = 0;
  for (const candidate of candidates) {
    await yieldToTimers();
    const planner = sourcePlanner({
      copy,
      candidate,
      rederive,
      keepAsRecorded: !replan.has(candidate.file),
      otherwise: () => describeOtherwise(current, candidate.specs, options),
    });
    const plan = planCopyFile(planning, candidate, planner);
    if (plan === null) continue;
    planned += 1;
    for (const { specId, files } of plan.adds) expectPlannedAdded(planning, added, { specId, importer: candidate.file, files });
  }

  // 3. Files the patches add: what this run planned, else what the manifest recorded.
  const addedAllPresent = checkAddedFiles(planning, added, recordedAdded);

  // 4. Inventories of the package's own files: synced with every change, from their originals.
  const carried = carriedEntries(copy.dir, current, planning.entries);
  const changes = changesOf({ ...carried, ...planning.entries }, added, ledgerFiles);
  const keepInventories = planned === 0 && addedAllPresent;
  for (const { spec, files } of ledgers) {
    for (const file of files) {
      const bytes = readRegularInside(copy.dir, file);
      if (bytes === null) continue;
      planCopyFile(planning, { file, bytes, sha: sha256(bytes) }, ledgerPlanner({ spec, changes, keepAsRecorded: keepInventories }));
    }
  }

  for (const { spec, target } of applicable) {
    const files = fileResults.get(spec.id)!;
    results.push(resultOf(spec, aggregate(files, target.expect ?? "one", target.whenAbsent), files));
  }
  const order = (result: PatchResult) => options.selected.findIndex((spec) => spec.id === result.patch);
  results.sort((a, b) => order(a) - order(b));

  const manifestFiles: Record<string, ManifestFile> = { ...carried, ...planning.entries };
  const manifest = manifestOf(
    options,
    current,
    applicable.map(({ spec }) => spec),
    manifestFiles,
    added,
  );
  const unchanged = current !== null && manifest !== null && sameManifest(current, manifest);
  return { copy, results, writes: planning.writes, manifest: unchanged ? null : manifest, current, problems };
}

/** The selected specs with a target that applies to the copy, and the results of those whose targets' ranges leave out its version. */
async function applicableSpecs(
  copy: PackageCopy,
  selected: readonly PatchSpec[],
): Promise<{ applicable: Applicable[]; outOfRange: PatchResult[] }> {
  const applicable: Applicable[] = [];
  const outOfRange: PatchResult[] = [];
  const listings = new ListingsStartingTheScan(); // the targets of this copy list each directory once
  for (const spec of selected) {
    const target = applicableTarget(spec, copy);
    if (target === undefined) continue;
    if (target === null) {
      const ranges = targetsNaming(spec, copy).map((named) => named.range);
      outOfRange.push(resultOf(spec, { siteCount: 0, ...decideOutsideRange(copy.version, ranges) }, []));
      continue;
    }
    const { files, links } = await selectFiles(copy, target, listings);
    applicable.push({ spec, target, files, links });
  }
  return { applicable, outOfRange };
}

/**
 * Listings that start the prefilter's second thread as soon as the walk has listed enough
 * JavaScript files to use it (what the scan reads: 2026.2.26's dist lists 2,573 entries of which
 * 877 are JavaScript, and a thread it never uses costs it ~15 MB and a core's 50 ms).
 */
class ListingsStartingTheScan extends Map<string, Dirent[]> implements Listings {
  private scripts = 0;
  override set(dir: string, dirents: Dirent[]): this {
    if (this.scripts < PARALLEL_SCAN_FROM) {
      for (const dirent of dirents) if (dirent.name.endsWith("js") && !dirent.isDirectory()) this.scripts += 1;
      if (this.scripts >= PARALLEL_SCAN_FROM) startScanWorkerEarly();
    }
    return super.set(dir, dirents);
  }
}

function targetsNaming(spec: PatchSpec, copy: Pick<PackageCopy, "name">): PatchTarget[] {
  return spec.targets.filter((target) => target.package === copy.name || (target.aliases ?? []).includes(copy.name));
}

function resultOf(spec: PatchSpec, outcome: Pick<PatchResult, "status" | "siteCount" | "message">, files: FileResult[]): PatchResult {
  return {
    patch: spec.id,
    version: spec.version,
    required: spec.required ?? true,
    status: outcome.status,
    siteCount: outcome.siteCount,
    ...(outcome.message ? { message: outcome.message } : {}),
    files,
  };
}

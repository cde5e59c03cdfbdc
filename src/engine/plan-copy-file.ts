import { lstatInside } from "../core/confine.js";
import { sha256 } from "../core/hash.js";
import type { PatchSpec } from "../core/spec.js";
import { decideFile, type Mode, type SpecPlan } from "../verify/decide.js";
import type { Manifest, ManifestFile, RecordedSite } from "../verify/manifest.js";
import { classifyFile } from "../verify/state.js";
import type { FileResult } from "../verify/status.js";
import { readOriginal } from "./read.js";

/** A file this run writes: a patched file, a file a patch adds, or a synced inventory. */
export interface FileWrite {
  file: string;
  text: string;
  mode: number;
  /** A file a patch adds: staged before the files that load it. */
  added: boolean;
  /** Original bytes to keep under .clawmend/originals (absent when already kept). */
  backup?: Buffer;
  /** Text before this run, for --dry-run diffs (null otherwise, and for a new file). */
  previous: string | null;
}

/** A package copy being planned: what its files are measured against, and what they add up to. */
export interface CopyInPlanning {
  dir: string;
  mode: Mode;
  /** The manifest on disk (null when there is none, or it is of another version). */
  current: Manifest | null;
  /** Whether `entry` was recorded with this run's settings of every one of `specs`. */
  isFresh(entry: ManifestFile | undefined, specs: readonly PatchSpec[]): boolean;
  /** Adds the result of a spec on one file to that spec's. */
  report(specId: string, result: FileResult): void;
  /** The manifest entries of the files planned or kept as recorded, by path. */
  entries: Record<string, ManifestFile>;
  writes: FileWrite[];
  /** Called before a file is planned (parsed): a run's first pass without the tree lock stops there (engine/run.ts). */
  beforePlanning?: () => void;
}

/** A file of the copy, read. */
export interface FileBytes {
  file: string;
  bytes: Buffer;
  sha: string;
}

/** What planning found for one spec decided on the file (the shared steps add whether it is from the original and up to date). */
export interface SpecFound {
  specId: string;
  plan: Omit<SpecPlan, "fromOriginal" | "upToDate">;
  sites: RecordedSite[];
}

/** A file planned and checked, in the terms every kind of file shares. */
export interface PlannedFile {
  /** The planned text, or null when no transform changed anything. */
  output: string | null;
  /** Each spec decided on the file, in order. */
  found: SpecFound[];
  /** The plan can be neither recorded nor written (the file does not parse, a transform refused it, the check failed). */
  blocked: boolean;
  /** The file does not parse: a code frame of the error, shown under its status. */
  frame?: string;
  /** The manifest entry's `checked` and `sites`. */
  checked: string[];
  sites: Record<string, RecordedSite[]>;
}

/** What differs between kinds of files (source files, inventories): which specs, how to plan and check. */
export interface FilePlanner<Planned extends PlannedFile> {
  /** The specs whose status is decided on the file. */
  specs: readonly PatchSpec[];
  /** The bytes on disk carry a clawmend marker. */
  marked: boolean;
  /** A file as recorded is kept as it is (else it is planned again all the same). */
  keepAsRecorded: boolean;
  /** The state a file as recorded is decided in when it is planned again. */
  asRecordedWhenPlanned: "as-recorded" | "recorded-otherwise";
  /** For `recorded-otherwise`: how the recording differs and what reproduces it (asked only when the file is planned). */
  otherwise: () => string;
  /** Plans `base` (the bytes on disk, or the kept original) and checks the output. */
  plan(input: { file: string; base: string; entry: ManifestFile | undefined; fromOriginal: boolean }): Planned;
}

/**
 * The steps of one file of a copy, for every kind of file: classify it against the manifest;
 * keep it as recorded when nothing calls for planning it; else plan it (from the kept original
 * when clawmend's own edit changed or is outdated), decide each spec's status, record its
 * manifest entry and queue its write. Returns the plan, or null when the file was kept.
 */
export function planCopyFile<Planned extends PlannedFile>(
  copy: CopyInPlanning,
  { file, bytes, sha }: FileBytes,
  planner: FilePlanner<Planned>,
): Planned | null {
  const entry = copy.current?.files[file];
  let state = classifyFile({ entry, sha, marked: planner.marked, fresh: copy.isFresh(entry, planner.specs) });
  if (state === "as-recorded") {
    if (planner.keepAsRecorded) {
      keepAsRecorded(copy, file, entry!, planner);
      return null;
    }
    state = planner.asRecordedWhenPlanned;
  }

  copy.beforePlanning?.();
  const original = entry && (state === "recorded-otherwise" || state === "edited") ? readOriginal(copy.dir, file, entry.before) : null;
  const fromOriginal = original !== null;
  const text = bytes.toString("utf8");
  const base = original ? original.toString("utf8") : text;
  const planned = planner.plan({ file, base, entry, fromOriginal });
  const expected = planned.output ?? base;
  const upToDate = expected === text;
  const otherwise = planner.otherwise();
  for (const { specId, plan, sites } of planned.found) {
    const decision = decideFile({
      mode: copy.mode,
      state,
      plan: { ...plan, fromOriginal, upToDate },
      recordedSites: 0,
      marked: planner.marked,
      otherwise,
    });
    if (!decision) continue;
    const frame = decision.status === "parse-error" ? planned.frame : undefined;
    copy.report(specId, { file, ...decision, sites, ...(frame ? { frame } : {}) });
  }
  if (planned.blocked) return planned;

  copy.entries[file] = {
    before: original ? entry!.before : sha,
    after: upToDate ? sha : sha256(expected),
    size: Buffer.byteLength(expected),
    checked: planned.checked,
    sites: planned.sites,
  };
  if (!upToDate) {
    const keepOriginal = !original && !planner.marked && readOriginal(copy.dir, file, sha) === null;
    copy.writes.push({
      file,
      text: expected,
      mode: lstatInside(copy.dir, file)!.mode & 0o7777,
      added: false,
      previous: copy.mode === "dry-run" ? text : null,
      ...(keepOriginal ? { backup: bytes } : {}),
    });
  }
  return planned;
}

/** A file as recorded: what the manifest records of it stands, nothing is planned. */
function keepAsRecorded(copy: CopyInPlanning, file: string, entry: ManifestFile, planner: FilePlanner<PlannedFile>): void {
  for (const spec of planner.specs) {
    const sites = entry.sites[spec.id] ?? [];
    const decision = decideFile({ mode: copy.mode, state: "as-recorded", plan: null, recordedSites: sites.length, marked: planner.marked });
    if (decision) copy.report(spec.id, { file, ...decision, sites });
  }
  copy.entries[file] = entry;
}

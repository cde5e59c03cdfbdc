import { readRegularInside } from "../core/confine.js";
import { sha256 } from "../core/hash.js";
import type { AddedFile } from "../core/spec.js";
import { compareStrings } from "../discover/packages.js";
import { decideAdded, decideAddedByPlan, type Mode } from "../verify/decide.js";
import type { Manifest, ManifestAdded } from "../verify/manifest.js";
import { classifyAdded } from "../verify/state.js";
import type { ExpectedAdded } from "./copy-manifest.js";
import type { CopyInPlanning } from "./plan-copy-file.js";

/** A file the manifest records as added, and the hash of what is on disk there (null when nothing is). */
export interface RecordedAdded {
  entry: ManifestAdded;
  onDisk: string | null;
}

/** The files the manifest records as added, each hashed as it is on disk. */
export function readRecordedAdded(dir: string, current: Manifest | null): Map<string, RecordedAdded> {
  const recorded = new Map<string, RecordedAdded>();
  for (const [path, entry] of Object.entries(current?.added ?? {})) {
    recorded.set(path, { entry, onDisk: sha256OrNull(readRegularInside(dir, path)) });
  }
  return recorded;
}

/** The files that import a recorded added file that is not there as written: planned again, so that it is written again. */
export function importersToReplan(recordedAdded: ReadonlyMap<string, RecordedAdded>, mode: Mode): Set<string> {
  const replan = new Set<string>();
  if (mode === "verify") return replan;
  for (const { entry, onDisk } of recordedAdded.values()) if (onDisk !== entry.sha256) for (const file of entry.importers) replan.add(file);
  return replan;
}

/** Expects the files a spec's plan of `importer` adds, or reports why one cannot be added. */
export function expectPlannedAdded(
  copy: CopyInPlanning,
  added: Map<string, ExpectedAdded>,
  { specId, importer, files }: { specId: string; importer: string; files: readonly AddedFile[] },
): void {
  for (const file of files) {
    const earlier = added.get(file.path);
    const refusal = decideAddedByPlan({ path: file.path, specId, content: file.content, earlier });
    if (refusal) {
      copy.report(specId, { file: file.path, ...refusal, sites: [] });
      continue;
    }
    added.set(file.path, {
      sha256: sha256(file.content),
      size: Buffer.byteLength(file.content),
      content: file.content,
      by: earlier?.by ?? specId,
      importers: [...new Set([...(earlier?.importers ?? []), importer])].sort(),
    });
  }
}

/**
 * Completes the added files with those the manifest records whose importers all stand as
 * recorded, checks each on disk, decides the status of those that are not there as written, and
 * queues their writes. Returns whether every one is there as written.
 */
export function checkAddedFiles(
  copy: CopyInPlanning,
  added: Map<string, ExpectedAdded>,
  recordedAdded: ReadonlyMap<string, RecordedAdded>,
): boolean {
  for (const [path, { entry }] of recordedAdded) {
    if (!added.has(path) && entry.importers.every((file) => copy.entries[file] === copy.current?.files[file])) {
      added.set(path, { sha256: entry.sha256, size: entry.size, content: null, by: entry.by, importers: entry.importers });
    }
  }
  let allPresent = true;
  for (const [path, expected] of [...added].sort(([a], [b]) => compareStrings(a, b))) {
    const onDisk = recordedAdded.has(path) ? recordedAdded.get(path)!.onDisk : sha256OrNull(readRegularInside(copy.dir, path));
    const state = classifyAdded(expected.sha256, onDisk);
    if (state === "present") continue;
    allPresent = false;
    const decision = decideAdded(copy.mode, state);
    if (decision) copy.report(expected.by, { file: path, ...decision, sites: [] });
    if (copy.mode !== "verify" && expected.content !== null) {
      const previous = copy.mode === "dry-run" && onDisk !== null ? readRegularInside(copy.dir, path)!.toString("utf8") : null;
      copy.writes.push({ file: path, text: expected.content, mode: 0o644, added: true, previous });
    }
  }
  return allPresent;
}

function sha256OrNull(bytes: Buffer | null): string | null {
  return bytes === null ? null : sha256(bytes);
}

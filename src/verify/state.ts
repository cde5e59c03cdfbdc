import type { ManifestFile } from "./manifest.js";

/**
 * What a file on disk is, measured against what clawmend recorded of it. Decided from hashes
 * and the presence of a marker only: nothing here parses.
 */
export type FileState =
  /** Not in the manifest: clawmend has not recorded this file (it may still carry markers). */
  | "untracked"
  /** The bytes clawmend wrote, with the patch versions and options of this run. */
  | "as-recorded"
  /** The bytes clawmend wrote, but with other patch versions, options or another clawmend. */
  | "recorded-otherwise"
  /** The bytes clawmend found before patching it: reinstalled, or restored by hand. */
  | "original"
  /** Other bytes that still carry a clawmend marker: changed since clawmend wrote it. */
  | "edited"
  /** Other bytes without a marker: the package put a new file there (reinstall, update). */
  | "replaced";

export interface FileFacts {
  entry: ManifestFile | undefined;
  /** sha256 of the bytes on disk. */
  sha: string;
  /** The bytes carry a clawmend marker. */
  marked: boolean;
  /** The entry was recorded with this run's patch versions, options and clawmend version. */
  fresh: boolean;
}

export function classifyFile({ entry, sha, marked, fresh }: FileFacts): FileState {
  if (!entry) return "untracked";
  if (sha === entry.after) return fresh ? "as-recorded" : "recorded-otherwise";
  if (sha === entry.before) return "original";
  return marked ? "edited" : "replaced";
}

/** A file clawmend adds to a package, measured against what it writes there. */
export type AddedState = "present" | "missing" | "differs";

export function classifyAdded(expectedSha: string, onDiskSha: string | null): AddedState {
  if (onDiskSha === null) return "missing";
  return onDiskSha === expectedSha ? "present" : "differs";
}

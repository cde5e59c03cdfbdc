import type { RecordedSite } from "./manifest.js";

export const STATUSES = [
  "applied",
  "already-applied",
  "unpatched",
  "drifted",
  "not-applicable",
  "missing-target",
  "ambiguous",
  "parse-error",
] as const;

export type Status = (typeof STATUSES)[number];

/** A required patch in one of these states cannot be applied: nothing is written, exit 3. */
export const CANNOT_APPLY: ReadonlySet<Status> = new Set(["missing-target", "ambiguous", "parse-error"]);
/** `--verify` exits 1 on these. */
export const NOT_VERIFIED: ReadonlySet<Status> = new Set(["unpatched", "drifted"]);

export interface FileResult {
  file: string;
  status: Status;
  sites: RecordedSite[];
  message?: string;
  /** Where the file does not parse: a code frame of the error (windowed on a minified line). */
  frame?: string;
}

export interface PatchResult {
  patch: string;
  version: number;
  required: boolean;
  status: Status;
  siteCount: number;
  message?: string;
  files: FileResult[];
}

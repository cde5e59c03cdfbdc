import type { Expectation } from "../patches/spec.js";
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

const SEVERITY: Status[] = ["parse-error", "ambiguous", "drifted", "unpatched", "applied", "already-applied"];

/** Folds the file results of one patch on one package copy into its status. */
export function aggregate(
  files: FileResult[],
  expect: Expectation,
  whenAbsent: string | undefined,
): Pick<PatchResult, "status" | "siteCount" | "message"> {
  const siteCount = files.reduce((n, f) => n + f.sites.length, 0);
  for (const status of SEVERITY.slice(0, 3)) {
    const hit = files.find((f) => f.status === status);
    if (hit) return { status, siteCount, message: `${hit.file}: ${hit.message ?? status}` };
  }
  if (siteCount === 0) {
    const unpatchedAsset = files.find((f) => f.status === "unpatched");
    if (unpatchedAsset) return { status: "unpatched", siteCount, message: unpatchedAsset.message ?? "" };
    if (expect === "any") return { status: "not-applicable", siteCount, message: whenAbsent ?? "nothing to patch in this version" };
    return { status: "missing-target", siteCount, message: "no site found: this version's code may have changed shape; the patch spec needs an update" };
  }
  if (expect === "one" && siteCount > 1) {
    const where = files.flatMap((f) => f.sites.map((s) => `${f.file}:${s.line}`)).join(", ");
    return { status: "ambiguous", siteCount, message: `expected exactly one site, found ${siteCount}: ${where}` };
  }
  for (const status of SEVERITY.slice(3)) {
    if (files.some((f) => f.status === status)) return { status, siteCount };
  }
  return { status: "already-applied", siteCount };
}

/**
 * Every status clawmend reports is decided here, from what is on disk (the state), what the
 * plan found (sites, errors, the files it adds), the package's version against a target's
 * ranges, whether the run was refused, and the mode, by pure functions the tests read as
 * tables. The engine passes the facts; it chooses no status itself.
 */
import { basename } from "node:path";
import { EXIT, type ExitCode } from "../core/errors.js";
import { ADDED_FILE_PREFIX } from "../core/paths.js";
import type { Expectation } from "../core/spec.js";
import type { AddedState, FileState } from "./state.js";
import { CANNOT_APPLY, NOT_VERIFIED, type FileResult, type PatchResult, type Status } from "./status.js";

export type Mode = "patch" | "verify" | "dry-run";

/** What planning found for one spec in one file. */
export interface SpecPlan {
  /** Sites edited by this plan, and sites that already carry the patch. */
  patched: number;
  already: number;
  /** `syntax error at L:C: …` when the file does not parse. */
  parseError?: string;
  /** The transform refused the file, or the check of its output failed. */
  ambiguous?: string;
  /** The text planned carries a marker of another version of this patch. */
  otherVersionMarker: boolean;
  /** Planned from the kept original (re-deriving), not from the bytes on disk. */
  fromOriginal: boolean;
  /** The planned text equals the bytes on disk. */
  upToDate: boolean;
}

export interface SpecOnFile {
  mode: Mode;
  state: FileState;
  /** Null when the file was not planned: it is as recorded, nothing to do. */
  plan: SpecPlan | null;
  /** Sites the manifest records for this spec in this file. */
  recordedSites: number;
  /** The bytes on disk carry a clawmend marker. */
  marked: boolean;
  /** For `recorded-otherwise`: how the recording differs and what reproduces it. */
  otherwise?: string;
}

export interface Decision {
  status: Status;
  message?: string;
}

const NO_ORIGINAL =
  "carries a marker of another version of this patch and no original is kept: reinstall the package, then run clawmend patch";

/** The status of one spec on one file, or null when the spec has nothing there. */
export function decideFile(facts: SpecOnFile): Decision | null {
  const plan = facts.plan;
  if (plan === null) return facts.recordedSites > 0 ? { status: "already-applied" } : null;
  if (plan.parseError) return { status: "parse-error", message: plan.parseError };
  if (plan.ambiguous) return { status: "ambiguous", message: plan.ambiguous };
  if (plan.otherVersionMarker && !plan.fromOriginal) return { status: "drifted", message: NO_ORIGINAL };
  if (plan.patched + plan.already === 0) return null;
  if (plan.upToDate) return { status: "already-applied" };
  switch (facts.mode) {
    case "verify":
      if (facts.state === "edited")
        return { status: "drifted", message: "changed since clawmend patched it: run clawmend patch to re-apply it from the original" };
      if (facts.state === "recorded-otherwise")
        return { status: "drifted", message: facts.otherwise ?? "patched with other settings: run clawmend patch" };
      if (facts.marked) return { status: "drifted", message: "partly patched: run clawmend patch" };
      if (facts.state === "original")
        return { status: "unpatched", message: "back to the package's original bytes (reinstalled?): run clawmend patch" };
      if (facts.state === "replaced")
        return {
          status: "unpatched",
          message: "the package replaced this file since clawmend patched it (updated?): run clawmend patch",
        };
      return { status: "unpatched", message: "not patched: run clawmend patch" };
    case "dry-run":
      return { status: "unpatched", message: plan.fromOriginal ? "would re-apply it from the original" : "would patch" };
    case "patch":
      if (plan.fromOriginal) return { status: "applied", message: "re-applied from the original" };
      if (facts.state === "replaced")
        return { status: "applied", message: "the package replaced this file since clawmend patched it: patched again" };
      return { status: "applied" };
  }
}

/**
 * A file a spec selects that is a symbolic link: not read (it may point outside the package) and
 * not patched through. npm installs no link inside a package, so one there was put by hand.
 */
export const LINKED_TARGET: Decision = {
  status: "ambiguous",
  message: "is a symbolic link, and clawmend reads and patches no file through one: reinstall the package (npm installs no link inside it)",
};

/** The status of a file a spec adds, or null when it is there as clawmend writes it. */
export function decideAdded(mode: Mode, state: AddedState): Decision | null {
  if (state === "present") return null;
  const missing = state === "missing";
  if (mode === "patch")
    return { status: "applied", message: missing ? "restored (it was missing)" : "rewritten (it differed from what clawmend writes)" };
  const problem = missing
    ? "missing (a package lifecycle or a reinstall removed it?): run clawmend patch"
    : "differs from what clawmend writes (edited?): run clawmend patch";
  return { status: mode === "verify" && !missing ? "drifted" : "unpatched", message: problem };
}

/** A file a spec's plan adds, and what an earlier spec of the same run adds at that path. */
export interface AddedByPlan {
  path: string;
  specId: string;
  content: string;
  /** Set when an earlier spec adds the same path: which, and with what content. */
  earlier?: { by: string; content: string | null } | undefined;
}

/**
 * Why a file a plan adds cannot be added (`ambiguous`), or null when it can: it must be named
 * `clawmend-*` (no patch edits those), and two specs must not add it with different contents.
 */
export function decideAddedByPlan(facts: AddedByPlan): Decision | null {
  if (!basename(facts.path).startsWith(ADDED_FILE_PREFIX))
    return { status: "ambiguous", message: `a file a patch adds must be named ${ADDED_FILE_PREFIX}* (no patch edits those)` };
  if (facts.earlier && facts.earlier.content !== facts.content)
    return { status: "ambiguous", message: `${facts.earlier.by} and ${facts.specId} add it with different contents` };
  return null;
}

/** A patch whose targets name the package, none with a range that holds its version. */
export function decideOutsideRange(version: string, ranges: ReadonlyArray<string | undefined>): Decision {
  return { status: "not-applicable", message: `version ${version} is outside ${ranges.join(" or ")}` };
}

/**
 * A result of a patch run that was refused, so wrote nothing: what it would have applied is not
 * written, so still unpatched. Null for any other status (it stands).
 */
export function decideNotWritten(status: Status): Decision | null {
  return status === "applied" ? { status: "unpatched", message: "not written: the run was refused" } : null;
}

const WORST_FIRST: Status[] = ["parse-error", "ambiguous", "drifted"];
const THEN: Status[] = ["unpatched", "applied", "already-applied"];

/** Folds the file results of one patch on one package copy into its status. */
export function aggregate(
  files: readonly FileResult[],
  expect: Expectation,
  whenAbsent: string | undefined,
): Pick<PatchResult, "status" | "siteCount" | "message"> {
  const siteCount = files.reduce((n, f) => n + f.sites.length, 0);
  for (const status of WORST_FIRST) {
    const hit = files.find((f) => f.status === status);
    if (hit) return { status, siteCount, message: `${hit.file}: ${hit.message ?? status}` };
  }
  if (siteCount === 0) {
    const unpatchedAdded = files.find((f) => f.status === "unpatched" || f.status === "applied");
    if (unpatchedAdded) return { status: unpatchedAdded.status, siteCount, message: unpatchedAdded.message ?? "" };
    if (expect === "any") return { status: "not-applicable", siteCount, message: whenAbsent ?? "nothing to patch in this version" };
    return {
      status: "missing-target",
      siteCount,
      message: "no site found: this version's code may have changed shape; the patch spec needs an update",
    };
  }
  if (expect === "one" && siteCount > 1) {
    const where = files.flatMap((f) => f.sites.map((s) => `${f.file}:${s.line}`)).join(", ");
    return { status: "ambiguous", siteCount, message: `expected exactly one site, found ${siteCount}: ${where}` };
  }
  for (const status of THEN) {
    const hit = files.find((f) => f.status === status);
    if (hit) return { status, siteCount, ...(hit.message ? { message: `${hit.file}: ${hit.message}` } : {}) };
  }
  return { status: "already-applied", siteCount };
}

export interface RunOutcome {
  mode: Mode;
  results: readonly PatchResult[];
  /** Nothing could be written (a write failed). */
  writeFailed: boolean;
  /** No target package was found under the root. */
  foundNothing: boolean;
  /** A copy's manifest is of another package version. */
  copyProblems: boolean;
}

/** The exit code of a patch run: `--verify` fails closed (no package found is a failure). */
export function runExitCode(outcome: RunOutcome): ExitCode {
  if (outcome.writeFailed || outcome.results.some((r) => r.required && CANNOT_APPLY.has(r.status))) return EXIT.cannotApply;
  if (outcome.mode !== "verify") return EXIT.ok;
  if (outcome.foundNothing || outcome.copyProblems) return EXIT.unpatched;
  return outcome.results.some((r) => r.required && NOT_VERIFIED.has(r.status)) ? EXIT.unpatched : EXIT.ok;
}

import { codeFrame } from "../core/code-frame.js";
import type { AddedFile, FileChange, PatchSpec } from "../core/spec.js";
import { moduleFormat } from "../discover/files.js";
import type { PackageCopy } from "../discover/packages.js";
import { hasAnyMarker } from "../transforms/marker.js";
import { planFile, planLedgerFile } from "../transforms/plan.js";
import type { RecordedSite } from "../verify/manifest.js";
import type { Candidate } from "./candidates.js";
import { checkLedgerPlan, checkSourcePlan } from "./check.js";
import type { FilePlanner, PlannedFile } from "./plan-copy-file.js";

/** A source file planned: with the files each spec that found sites there adds. */
export interface PlannedSource extends PlannedFile {
  adds: Array<{ specId: string; files: readonly AddedFile[] }>;
}

export interface SourceFileInput {
  copy: PackageCopy;
  candidate: Candidate;
  /** The source specs of the config that apply to the copy: re-deriving from the original re-applies those already there. */
  rederive: readonly PatchSpec[];
  keepAsRecorded: boolean;
  otherwise: () => string;
}

/** A JavaScript file: every source spec whose prefilter matched, in one parse; checked by parsing and planning the output again. */
export function sourcePlanner({ copy, candidate, rederive, keepAsRecorded, otherwise }: SourceFileInput): FilePlanner<PlannedSource> {
  return {
    specs: candidate.specs,
    marked: hasAnyMarker(candidate.bytes),
    keepAsRecorded,
    asRecordedWhenPlanned: "as-recorded",
    otherwise,
    plan: ({ file, base, entry, fromOriginal }) => {
      const specs = fromOriginal
        ? union(
            candidate.specs,
            rederive.filter((spec) => (entry!.sites[spec.id]?.length ?? 0) > 0),
          )
        : candidate.specs;
      const format = moduleFormat(file, copy);
      const plan = planFile({ code: base, file, format, specs });
      const failure = plan.parseError ? null : checkSourcePlan(plan, file, format, specs);
      const parseError = plan.parseError
        ? `syntax error at ${plan.parseError.line}:${plan.parseError.column}: ${plan.parseError.message}`
        : undefined;
      const outcomes = candidate.specs.map((spec) => ({ spec, outcome: plan.outcomes.find((outcome) => outcome.specId === spec.id) }));
      return {
        output: plan.output,
        found: outcomes.map(({ spec, outcome }) => ({
          specId: spec.id,
          sites: recorded(outcome?.sites ?? []),
          plan: {
            ...siteCounts(outcome?.sites ?? []),
            ...(parseError ? { parseError } : {}),
            ...(outcome?.ambiguous || failure ? { ambiguous: outcome?.ambiguous ?? failure! } : {}),
            otherVersionMarker: outcome?.otherVersionMarker ?? false,
          },
        })),
        blocked: Boolean(plan.parseError || failure),
        ...(plan.parseError ? { frame: codeFrame(base, plan.parseError.line, plan.parseError.column) } : {}),
        checked: union(
          fromOriginal || !entry ? [] : entry.checked,
          specs.map((spec) => spec.id),
        ).sort(),
        sites: Object.fromEntries(
          plan.outcomes.filter((outcome) => outcome.sites.length).map((outcome) => [outcome.specId, recorded(outcome.sites)]),
        ),
        adds: outcomes
          .filter(({ outcome }) => (outcome?.sites.length ?? 0) > 0)
          .map(({ spec, outcome }) => ({ specId: spec.id, files: outcome!.added })),
      };
    },
  };
}

export interface LedgerFileInput {
  spec: PatchSpec;
  /** The copy's file changes the inventory is synced with. */
  changes: readonly FileChange[];
  keepAsRecorded: boolean;
}

/**
 * An inventory of the package's own files (JSON): one ledger spec, planned from the copy's
 * changes; checked by planning the output again. One as recorded that is planned again lists
 * files that have changed since: it is decided as recorded otherwise, from its original.
 */
export function ledgerPlanner({ spec, changes, keepAsRecorded }: LedgerFileInput): FilePlanner<PlannedFile> {
  return {
    specs: [spec],
    marked: false,
    keepAsRecorded,
    asRecordedWhenPlanned: "recorded-otherwise",
    otherwise: () => "does not record the files as clawmend leaves them: run clawmend patch",
    plan: ({ file, base }) => {
      const plan = planLedgerFile({ code: base, file, spec, changes });
      const failure = plan.ambiguous ? null : checkLedgerPlan(plan.output, file, spec, changes);
      const sites = recorded(plan.sites);
      return {
        output: plan.output,
        found: [
          {
            specId: spec.id,
            sites,
            plan: {
              ...siteCounts(plan.sites),
              ...(plan.ambiguous || failure ? { ambiguous: plan.ambiguous ?? failure! } : {}),
              otherVersionMarker: false,
            },
          },
        ],
        blocked: Boolean(plan.ambiguous || failure),
        checked: [spec.id],
        sites: sites.length ? { [spec.id]: sites } : {},
      };
    },
  };
}

function siteCounts(sites: ReadonlyArray<{ state: "patched" | "already" }>): { patched: number; already: number } {
  return {
    patched: sites.filter((site) => site.state === "patched").length,
    already: sites.filter((site) => site.state === "already").length,
  };
}

function recorded(sites: ReadonlyArray<{ line: number; column: number; what: string }>): RecordedSite[] {
  return sites.map(({ line, column, what }) => ({ line, column, what }));
}

function union<T>(first: readonly T[], second: readonly T[]): T[] {
  return [...new Set([...first, ...second])];
}

import MagicString from "magic-string";
import type { File } from "@babel/types";
import {
  isSourceTransform,
  type AddedFile,
  type FileChange,
  type FollowedName,
  type Insertions,
  type PatchSpec,
  type Site,
  type SourceTransform,
} from "../core/spec.js";
import { onlyInComments } from "./comments.js";
import { locateWithAcorn } from "./locate-acorn.js";
import { oxcAvailable, withOxcParse } from "./oxc-parse.js";
import { blankBodies, hiddenNames } from "./partial-text.js";
import { hasOtherVersionMarker, markerFor, markerPrefixFor } from "./marker.js";
import { isParseFailure, parseProgram, type ParseFailure } from "./parse.js";

/** The outcome of one spec on one file. */
export interface SpecOutcome {
  specId: string;
  sites: Site[];
  ambiguous?: string;
  added: AddedFile[];
  /** The file carries a marker of this spec from another version. */
  otherVersionMarker: boolean;
}

export interface FilePlan {
  /** Specs whose prefilter matched (the rest never saw the file). */
  outcomes: SpecOutcome[];
  /** The edited text, or null when no transform changed anything. */
  output: string | null;
  parseError?: ParseFailure;
  /**
   * How the file was parsed, when it was; `comments` when it would have been parsed partially
   * but its prefilter needles all lie in comments, so no transform had code to read.
   */
  parsed?: "whole" | "partial" | "comments";
  /** When the file was parsed partially: the output with the same bodies blanked (see `partialText`). */
  partialOutput?: string;
}

export interface PlanFileInput {
  code: string;
  file: string;
  format: "esm" | "cjs";
  /** Specs with source transforms (others are ignored). */
  specs: readonly PatchSpec[];
  /**
   * `auto` (default) parses a file of `partialParseMinChars()` or more partially when every
   * transform run on it declares what it `reads`; `whole` never does, `partial` always tries.
   */
  parse?: "auto" | "whole" | "partial";
  /** `code` with function bodies blanked by an earlier plan (re-planning that plan's output). */
  partialText?: string;
}

/**
 * Below this size Babel parses a whole file faster than the bodies can be located and the rest
 * parsed; above it, a partial parse wins by a growing margin (see docs/performance.md). oxc
 * locates bodies some twenty times faster than acorn, so it moves the line down.
 */
export function partialParseMinChars(): number {
  return oxcAvailable() ? 50_000 : 1_000_000;
}

/** The spec's transform when it edits JavaScript, else null. */
export function sourceTransformOf(spec: PatchSpec): SourceTransform | null {
  return isSourceTransform(spec.transform) ? spec.transform : null;
}

/** Whether a text or its bytes can hold a site of this spec (exact prefilter, no parse). */
export function mayHoldSite(spec: PatchSpec, code: string | Buffer): boolean {
  const prefilter = sourceTransformOf(spec)?.prefilter;
  return !prefilter || prefilter.length === 0 || prefilter.some((needle) => code.includes(needle));
}

/**
 * Runs every applicable spec on one file: one parse, one set of insertions. Pure: reads and
 * writes nothing.
 *
 * A large file is parsed partially when it can be: oxc (else acorn) locates the function
 * bodies, those that hold nothing a transform reads are blanked, Babel parses the rest with every
 * offset and line where it was. A name a transform reports having followed (an alias of `os`,
 * say) that is referenced in a blanked body brings that body back, until nothing new turns up.
 * Such a file whose prefilter needles all lie in comments is not parsed further: a transform
 * that declares what it `reads` reads only code that holds it.
 */
export function planFile(input: PlanFileInput): FilePlan {
  const applicable = input.specs.filter((spec) => sourceTransformOf(spec) !== null && mayHoldSite(spec, input.code));
  if (applicable.length === 0) return { outcomes: [], output: null };
  if (input.partialText !== undefined) {
    const ast = parseProgram(input.partialText, input.format);
    if (!isParseFailure(ast)) return finish(runSpecs(input, applicable, ast), input, input.partialText);
    // A partial text that does not parse is checked whole below, for an exact error position.
  } else if (wantsPartial(input, applicable)) {
    const plan = planPartially(input, applicable);
    if (plan) return plan;
  }
  const ast = parseProgram(input.code, input.format);
  if (isParseFailure(ast)) {
    return { outcomes: applicable.map((spec) => emptyOutcome(spec.id)), output: null, parseError: ast };
  }
  return finish(runSpecs(input, applicable, ast), input, undefined);
}

function wantsPartial(input: PlanFileInput, specs: readonly PatchSpec[]): boolean {
  const mode = input.parse ?? "auto";
  if (mode === "whole" || !specs.every((spec) => sourceTransformOf(spec)!.reads !== undefined)) return false;
  return mode === "partial" || input.code.length >= partialParseMinChars();
}

function planPartially(input: PlanFileInput, specs: readonly PatchSpec[]): FilePlan | null {
  const needles = specs.map((spec) => sourceTransformOf(spec)!.prefilter ?? []);
  const located = withOxcParse(input.code, input.format, { earlyErrors: false }, (parsed) =>
    needles.every((list) => list.length > 0) && onlyInComments(input.code, needles.flat(), parsed.comments())
      ? "only in comments"
      : parsed.functionBodies(),
  );
  // Skipped only when the file has no error Babel would report either (checked for these files alone).
  if (located === "only in comments" && withOxcParse(input.code, input.format, { earlyErrors: true }, () => true)) {
    return nothingToRead(input, specs);
  }
  const bodies = (located === "only in comments" ? null : located) ?? locateWithAcorn(input.code, input.format);
  if (!bodies) return null;
  const reads = specs.flatMap((spec) => sourceTransformOf(spec)!.reads ?? []);
  const followed: FollowedName[] = [];
  for (;;) {
    const partial = blankBodies(input.code, bodies, reads, followed);
    const ast = parseProgram(partial.text, input.format);
    if (isParseFailure(ast)) return null;
    const run = runSpecs(input, specs, ast);
    const hidden = hiddenNames(input.code, partial.hidden, run.followed);
    if (hidden.length === 0) return finish(run, input, partial.text);
    followed.push(...hidden);
  }
}

/** The outcome of specs that found no code to read in the file. */
function nothingToRead(input: PlanFileInput, specs: readonly PatchSpec[]): FilePlan {
  return {
    outcomes: specs.map((spec) => ({
      ...emptyOutcome(spec.id),
      otherVersionMarker: hasOtherVersionMarker(input.code, markerPrefixFor(spec.id), markerFor(spec.id, spec.version)),
    })),
    output: null,
    parsed: "comments",
  };
}

interface SpecsRun {
  outcomes: SpecOutcome[];
  insertions: InsertionLog;
  followed: FollowedName[];
}

function runSpecs(input: PlanFileInput, specs: readonly PatchSpec[], ast: File): SpecsRun {
  const insertions = new InsertionLog();
  const followed: FollowedName[] = [];
  const outcomes = specs.map((spec): SpecOutcome => {
    const marker = markerFor(spec.id, spec.version);
    const markerPrefix = markerPrefixFor(spec.id);
    const result = sourceTransformOf(spec)!.apply({
      code: input.code,
      ast,
      edit: insertions,
      marker,
      markerPrefix,
      file: input.file,
      format: input.format,
      options: spec.options,
    });
    followed.push(...(result.followed ?? []));
    return {
      specId: spec.id,
      sites: result.sites,
      ...(result.ambiguous ? { ambiguous: result.ambiguous } : {}),
      added: result.added ?? [],
      otherVersionMarker: hasOtherVersionMarker(input.code, markerPrefix, marker),
    };
  });
  return { outcomes, insertions, followed };
}

function finish(run: SpecsRun, input: PlanFileInput, partialText: string | undefined): FilePlan {
  const output = run.insertions.applyTo(input.code);
  return {
    outcomes: run.outcomes,
    output,
    parsed: partialText === undefined ? "whole" : "partial",
    ...(partialText !== undefined && output !== null ? { partialOutput: run.insertions.applyTo(partialText)! } : {}),
  };
}

/** Insertions recorded once and replayed on the text and on its partial twin, which share offsets. */
class InsertionLog implements Insertions {
  private readonly ops: Array<(edit: MagicString) => void> = [];
  appendLeft(offset: number, text: string): void {
    this.ops.push((edit) => edit.appendLeft(offset, text));
  }
  prependRight(offset: number, text: string): void {
    this.ops.push((edit) => edit.prependRight(offset, text));
  }
  append(text: string): void {
    this.ops.push((edit) => edit.append(text));
  }
  /** The text with every insertion, or null when there is none. */
  applyTo(text: string): string | null {
    if (this.ops.length === 0) return null;
    const edit = new MagicString(text);
    for (const op of this.ops) op(edit);
    return edit.toString();
  }
}

function emptyOutcome(specId: string): SpecOutcome {
  return { specId, sites: [], added: [], otherVersionMarker: false };
}

/** The outcome of a ledger spec on one data file. */
export interface LedgerPlan {
  sites: Site[];
  ambiguous?: string;
  /** The edited text, or null when nothing changes. */
  output: string | null;
}

/** Runs a ledger spec on one data file with the copy's changes. Pure. */
export function planLedgerFile(input: { code: string; file: string; spec: PatchSpec; changes: readonly FileChange[] }): LedgerPlan {
  const transform = input.spec.transform;
  if (isSourceTransform(transform)) throw new Error(`${input.spec.id} is not a ledger patch`);
  const edit = new MagicString(input.code);
  const result = transform.apply({ code: input.code, file: input.file, edit, changes: input.changes, options: input.spec.options });
  const output = edit.hasChanged() ? edit.toString() : null;
  return { sites: result.sites, ...(result.ambiguous ? { ambiguous: result.ambiguous } : {}), output };
}

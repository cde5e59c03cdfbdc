import MagicString from "magic-string";
import type { PatchSpec } from "../patches/spec.js";
import { markerFor, markerPrefixFor } from "../patches/spec.js";
import { isParseFailure, parseProgram, type ParseFailure } from "./parse.js";
import type { Asset, ResolvedSettings, Site } from "./types.js";

/** The outcome of one spec on one file. */
export interface SpecOutcome {
  specId: string;
  sites: Site[];
  ambiguous?: string;
  assets: Asset[];
  /** The file carries a marker of this spec from another version. */
  staleMarker: boolean;
}

export interface FilePlan {
  /** Specs whose prefilter matched (the rest never saw the file). */
  outcomes: SpecOutcome[];
  /** The edited text, or null when no transform changed anything. */
  output: string | null;
  parseError?: ParseFailure;
}

export interface PlanFileInput {
  code: string;
  file: string;
  format: "esm" | "cjs";
  specs: readonly PatchSpec[];
  settings: ResolvedSettings;
}

/** Whether a file can hold a site of this spec (exact prefilter, no parse). */
export function mayHoldSite(spec: PatchSpec, code: string): boolean {
  const prefilter = spec.transform.prefilter;
  return !prefilter || prefilter.length === 0 || prefilter.some((needle) => code.includes(needle));
}

/**
 * Runs every applicable spec on one file: one parse, one MagicString. Pure: reads and
 * writes nothing.
 */
export function planFile(input: PlanFileInput): FilePlan {
  const applicable = input.specs.filter((spec) => mayHoldSite(spec, input.code));
  if (applicable.length === 0) return { outcomes: [], output: null };
  const ast = parseProgram(input.code, input.format);
  if (isParseFailure(ast)) {
    return {
      outcomes: applicable.map((spec) => emptyOutcome(spec.id)),
      output: null,
      parseError: ast,
    };
  }
  const edit = new MagicString(input.code);
  const outcomes = applicable.map((spec): SpecOutcome => {
    const marker = markerFor(spec.id, spec.version);
    const markerPrefix = markerPrefixFor(spec.id);
    const result = spec.transform.apply({
      code: input.code,
      ast,
      edit,
      marker,
      markerPrefix,
      file: input.file,
      format: input.format,
      settings: input.settings,
    });
    return {
      specId: spec.id,
      sites: result.sites,
      ...(result.ambiguous ? { ambiguous: result.ambiguous } : {}),
      assets: result.assets ?? [],
      staleMarker: hasStaleMarker(input.code, markerPrefix, marker),
    };
  });
  return { outcomes, output: edit.hasChanged() ? edit.toString() : null };
}

function emptyOutcome(specId: string): SpecOutcome {
  return { specId, sites: [], assets: [], staleMarker: false };
}

function hasStaleMarker(code: string, prefix: string, marker: string): boolean {
  let at = code.indexOf(prefix);
  while (at !== -1) {
    if (!code.startsWith(marker, at)) return true;
    at = code.indexOf(prefix, at + prefix.length);
  }
  return false;
}

/** Whether the text carries any clawpatch marker at all. */
export function hasAnyMarker(code: string): boolean {
  return code.includes("/*@clawpatch ");
}

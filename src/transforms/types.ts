import type { File } from "@babel/types";
import type MagicString from "magic-string";
import type { VllmSettings } from "../config/settings.js";

/** Where a transform found something to patch (1-based line, 0-based column, like Babel). */
export interface Site {
  line: number;
  column: number;
  /** `patched`: edited now; `already`: carries this patch's marker from an earlier run. */
  state: "patched" | "already";
  /** Short words on what the site is, e.g. `call os.networkInterfaces()`. */
  what: string;
}

export interface TransformInput {
  /** Original text of the file (offsets in the AST and in `edit` address it). */
  code: string;
  ast: File;
  /**
   * The one MagicString every transform of this file edits. Transforms only insert
   * (appendLeft/appendRight/prependLeft/prependRight): they never remove or overwrite original
   * text, so they compose and every other byte stays as it was.
   */
  edit: MagicString;
  /** `/*@clawpatch <id>@<version>*\/`: carried by every snippet this transform inserts. */
  marker: string;
  /** Marker prefix without the version, `/*@clawpatch <id>@`, to recognise older versions. */
  markerPrefix: string;
  /** Path of the file relative to the package root, with forward slashes. */
  file: string;
  /** How the file is loaded: decides import vs require in inserted code. */
  format: "esm" | "cjs";
  /** Settings resolved from the config (baked into inserted code where a patch needs them). */
  settings: ResolvedSettings;
}

export interface ResolvedSettings {
  vllm: VllmSettings;
}

/** A file a patch writes into the package (e.g. the runtime overlay module). */
export interface Asset {
  /** Relative to the package root. */
  path: string;
  content: string;
}

export interface TransformResult {
  sites: Site[];
  /**
   * Set when the transform found candidates it cannot choose between, or a shape it refuses
   * to edit. The engine reports `ambiguous` and writes nothing for a required patch.
   */
  ambiguous?: string;
  /** Files this transform needs in the package for its inserted code to work. */
  assets?: Asset[];
}

/**
 * A reusable, scope-aware edit primitive. Transforms are created by factory functions in
 * src/transforms (e.g. `insertImportAfterShebang({...})`) and referenced by patch specs.
 */
export interface Transform {
  /** Stable name of the primitive, e.g. `insert-import-after-shebang`. */
  readonly kind: string;
  /**
   * Strings of which at least one must occur in a file for it to possibly hold a site.
   * Must be exact: a file that contains none of them can never hold a site, so it is never
   * parsed. Omit to parse every selected file.
   */
  readonly prefilter?: readonly string[];
  apply(input: TransformInput): TransformResult;
}

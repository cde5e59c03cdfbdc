import type { File } from "@babel/types";
import type { VllmSettings } from "../config/settings.js";
import type { FollowedName } from "./locate.js";

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
   * The one edit every transform of this file adds to. Transforms only insert: they never
   * remove or overwrite original text, so they compose and every other byte stays as it was.
   */
  edit: Insertions;
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

/** Insert-only edits, with MagicString's semantics for text inserted at the same offset. */
export interface Insertions {
  /** Inserts before `offset`, after anything inserted there by `appendLeft` before. */
  appendLeft(offset: number, text: string): void;
  /** Inserts before `offset`, before anything inserted there by `prependRight` before. */
  prependRight(offset: number, text: string): void;
  /** Inserts at the end of the file. */
  append(text: string): void;
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
  /**
   * Local names through which this transform followed values to its sites (e.g. every binding
   * holding `os` or its export), with the range of the scope declaring each. A partial parse
   * keeps every function that refers to one of them.
   */
  followed?: FollowedName[];
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
  /**
   * Strings whose enclosing functions this transform reads; every other function body it
   * ignores (and the top level it always reads). Declared by a transform, it lets a large
   * file be parsed partially: function bodies holding none of these strings, and none of the
   * names the transform reports having `followed`, are blanked before Babel parses the file. Omit to read the
   * whole program.
   */
  readonly reads?: readonly string[];
  apply(input: TransformInput): TransformResult;
}

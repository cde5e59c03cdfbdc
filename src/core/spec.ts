/**
 * The vocabulary every layer shares: what a patch spec is, and the contract a transform keeps.
 * A spec is data (which package, which files, how many sites) plus one transform; the engine
 * runs it without knowing what it does.
 */
import type { File } from "@babel/types";

/** How many sites one package copy must hold for the patch to count as landed. */
export type Expectation = "one" | "at-least-one" | "any";

/** Where a patch looks: one package (under any of its names) and files in it. */
export interface PatchTarget {
  /** npm package name, e.g. `@earendil-works/pi-ai`. */
  package: string;
  /** Other names the same package was published under (`@mariozechner/pi-ai`). */
  aliases?: string[];
  /** semver range of package versions this target applies to (default: every version). */
  range?: string;
  /** Globs relative to the package root (fast-glob syntax). */
  files: string[];
  /** Globs to leave out. */
  ignore?: string[];
  /** Sites expected per package copy (default `one`). */
  expect?: Expectation;
  /** Said in the report when `expect: "any"` and nothing was found. */
  whenAbsent?: string;
}

/** A declarative patch: data plus one transform. Adding one never touches the engine. */
export interface PatchSpec<Options = unknown> {
  /** Lower-case letters, digits and dashes. */
  id: string;
  /** Bump when the inserted code changes: older results then count as drifted. */
  version: number;
  description: string;
  /** A required patch that cannot be applied stops the run: nothing is written, exit 3. */
  required?: boolean;
  /** Tried in order per package copy: the first target naming the package whose range holds its version applies. */
  targets: PatchTarget[];
  /**
   * The settings this patch bakes into what it writes (plain JSON data). The manifest keeps a
   * digest of them: a file patched with other options is drifted.
   */
  options?: Options;
  transform: Transform<Options>;
}

/** Typed identity: `definePatch({ ... })` ties the spec's options to its transform's. */
export function definePatch<Options>(spec: PatchSpec<Options>): PatchSpec<Options> {
  return spec;
}

/** Where a transform found something to patch (1-based line, 0-based column, like Babel). */
export interface Site {
  line: number;
  column: number;
  /** `patched`: edited now; `already`: carries this patch from an earlier run. */
  state: "patched" | "already";
  /** Short words on what the site is, e.g. `call os.networkInterfaces()`. */
  what: string;
}

/** A file a patch adds to the package (e.g. the runtime overlay module). */
export interface AddedFile {
  /** Relative to the package root, forward slashes. */
  path: string;
  content: string;
}

/** A local name a transform followed, and the range of the scope where it is visible. */
export interface FollowedName {
  name: string;
  start: number;
  end: number;
}

/**
 * Edits to one file, addressed by offsets in its original text, with MagicString's semantics
 * for text inserted at the same offset. Source transforms only insert, so they compose and
 * every other byte stays as it was.
 */
export interface Insertions {
  /** Inserts before `offset`, after anything inserted there by `appendLeft` before. */
  appendLeft(offset: number, text: string): void;
  /** Inserts before `offset`, before anything inserted there by `prependRight` before. */
  prependRight(offset: number, text: string): void;
  /** Inserts at the end of the file. */
  append(text: string): void;
}

/** Edits to a data file: insertions, and values replaced in place (nothing else is touched). */
export interface DataEdits extends Insertions {
  overwrite(start: number, end: number, text: string): void;
}

export interface SourceTransformInput<Options> {
  /** Original text of the file (offsets in the AST and in `edit` address it). */
  code: string;
  ast: File;
  /** The one edit every transform of this file adds to. */
  edit: Insertions;
  /** `/*@clawmend <id>@<version>*\/`: carried by every snippet this transform inserts. */
  marker: string;
  /** Marker prefix without the version, `/*@clawmend <id>@`, to recognise older versions. */
  markerPrefix: string;
  /** Path of the file relative to the package root, with forward slashes. */
  file: string;
  /** How the file is loaded: decides import vs require in inserted code. */
  format: "esm" | "cjs";
  /** The spec's options. */
  options: Options;
}

export interface SourceTransformResult {
  sites: Site[];
  /**
   * Set when the transform found candidates it cannot choose between, or a shape it refuses
   * to edit. The engine reports `ambiguous` and writes nothing for a required patch.
   */
  ambiguous?: string;
  /** Files this transform needs in the package for its inserted code to work. */
  added?: AddedFile[];
  /**
   * Local names through which this transform followed values to its sites (e.g. every binding
   * holding `os` or its export). A partial parse keeps every function that refers to one.
   */
  followed?: FollowedName[];
}

/** A scope-aware edit of JavaScript: parsed once per file with every other source transform. */
export interface SourceTransform<Options = unknown> {
  /** What the engine hands the transform (default `javascript`: the parsed file). */
  readonly input?: "javascript";
  /** Stable name of the primitive, e.g. `insert-import-after-shebang`. */
  readonly kind: string;
  /**
   * Strings of which at least one must occur in a file for it to possibly hold a site. Must be
   * exact: a file holding none of them can never hold a site, so it is never parsed.
   */
  readonly prefilter?: readonly string[];
  /**
   * Strings whose enclosing functions this transform reads (the top level it always reads).
   * Lets a large file be parsed partially: bodies holding none of these, and none of the names
   * it `followed`, are blanked before Babel parses the file. Omit to read the whole program.
   */
  readonly reads?: readonly string[];
  apply(input: SourceTransformInput<Options>): SourceTransformResult;
}

/** What the other patches of a package copy leave different from the published bytes. */
export interface FileChange {
  /** Relative to the package root. */
  path: string;
  sha256: string;
  size: number;
  /** Permission bits. */
  mode: number;
  /** A file a patch added (it was not in the package). */
  added: boolean;
}

export interface LedgerTransformInput<Options> {
  /** Original text of the file (as published, or as found before clawmend first changed it). */
  code: string;
  edit: DataEdits;
  file: string;
  /** Every change the copy's source patches make, sorted by path. */
  changes: readonly FileChange[];
  options: Options;
}

export interface LedgerTransformResult {
  /** One per change recorded: `patched` when the entry was edited now. */
  sites: Site[];
  ambiguous?: string;
}

/**
 * An edit of a data file that records the package's own files (an inventory of paths and
 * hashes): run after every source transform of the copy, from the file's original text, so that
 * what it records matches what the other patches leave.
 */
export interface LedgerTransform<Options = unknown> {
  readonly input: "ledger";
  readonly kind: string;
  apply(input: LedgerTransformInput<Options>): LedgerTransformResult;
}

export type Transform<Options = unknown> = SourceTransform<Options> | LedgerTransform<Options>;

export function isSourceTransform(transform: Transform): transform is SourceTransform {
  return transform.input !== "ledger";
}

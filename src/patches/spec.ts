import type { Transform } from "../transforms/types.js";

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
export interface PatchSpec {
  id: string;
  /** Bump when the inserted code changes: older markers then count as drifted. */
  version: number;
  description: string;
  targets: PatchTarget[];
  transform: Transform;
  /** A required patch that cannot be applied stops the run: nothing is written, exit 3. */
  required?: boolean;
}

export function definePatch(spec: PatchSpec): PatchSpec {
  return spec;
}

export function markerFor(id: string, version: number): string {
  return `/*@clawpatch ${id}@${version}*/`;
}

export function markerPrefixFor(id: string): string {
  return `/*@clawpatch ${id}@`;
}

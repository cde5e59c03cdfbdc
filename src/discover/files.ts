import fg from "fast-glob";
import { ADDED_FILE_PREFIX, LOCK_NAME, STATE_DIR } from "../core/paths.js";
import type { PatchTarget } from "../core/spec.js";
import { compareStrings, type PackageCopy } from "./packages.js";

/** A part of a package copy that no target ever selects, and why. */
export interface SelectionExclusion {
  glob: string;
  reason: string;
}

/**
 * What file selection leaves out of every target, on purpose. Everything else a target's globs
 * match is selected, dot-directories included: Node loads `dist/extensions/x/.setup/net.js` like
 * any other file, so a glob that skipped it would leave real sites unpatched while `--verify`
 * stays green. A spec adds its own (the network guard leaves `dist/worker/**` alone).
 */
export const SELECTION_EXCLUSIONS: readonly SelectionExclusion[] = [
  { glob: "**/node_modules/**", reason: "other package copies: discovered and patched as copies of their own" },
  { glob: `${STATE_DIR}/**`, reason: "clawmend's state (manifest, kept originals): never a patch target" },
  { glob: `${LOCK_NAME}/**`, reason: "clawmend's lock on the tree" },
  { glob: `**/${ADDED_FILE_PREFIX}*`, reason: "files clawmend added (the overlay module): its own code, written whole" },
  { glob: "**/.git/**", reason: "a repository's objects and hooks, not the package's code" },
];

const EXCLUDED_GLOBS = SELECTION_EXCLUSIONS.map((e) => e.glob);

/** Files of a package copy matched by a target's globs, relative, sorted. */
export function selectFiles(copy: PackageCopy, target: PatchTarget): string[] {
  const files = fg.sync(target.files, {
    cwd: copy.dir,
    ignore: [...EXCLUDED_GLOBS, ...(target.ignore ?? [])],
    onlyFiles: true,
    followSymbolicLinks: false,
    dot: true,
  });
  return files.sort(compareStrings);
}

/** How a file is loaded by Node: `.mjs` ESM, `.cjs` CJS, `.js` by the package type. */
export function moduleFormat(file: string, copy: PackageCopy): "esm" | "cjs" {
  if (file.endsWith(".mjs")) return "esm";
  if (file.endsWith(".cjs")) return "cjs";
  return copy.type === "module" ? "esm" : "cjs";
}

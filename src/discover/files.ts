import fg from "fast-glob";
import { ADDED_FILE_PREFIX, STATE_DIR } from "../core/paths.js";
import type { PatchTarget } from "../core/spec.js";
import { compareStrings, type PackageCopy } from "./packages.js";

/** Files of a package copy matched by a target's globs, relative, sorted. */
export function selectFiles(copy: PackageCopy, target: PatchTarget): string[] {
  const files = fg.sync(target.files, {
    cwd: copy.dir,
    ignore: ["**/node_modules/**", `${STATE_DIR}/**`, `**/${ADDED_FILE_PREFIX}*`, ...(target.ignore ?? [])],
    onlyFiles: true,
    followSymbolicLinks: false,
    dot: false,
  });
  return files.sort(compareStrings);
}

/** How a file is loaded by Node: `.mjs` ESM, `.cjs` CJS, `.js` by the package type. */
export function moduleFormat(file: string, copy: PackageCopy): "esm" | "cjs" {
  if (file.endsWith(".mjs")) return "esm";
  if (file.endsWith(".cjs")) return "cjs";
  return copy.type === "module" ? "esm" : "cjs";
}

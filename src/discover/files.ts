import fg from "fast-glob";
import { ADDED_FILE_PREFIX, STATE_DIR } from "../core/paths.js";
import type { PatchTarget } from "../core/spec.js";
import { compareStrings, type PackageCopy } from "./packages.js";

/** What a target's globs match in a package copy, relative, sorted. */
export interface Selection {
  files: string[];
  /** Symbolic links the globs match: never read or patched through (npm installs none inside a package). */
  links: string[];
}

export function selectFiles(copy: PackageCopy, target: PatchTarget): Selection {
  const entries = fg.sync(target.files, {
    cwd: copy.dir,
    ignore: ["**/node_modules/**", `${STATE_DIR}/**`, `**/${ADDED_FILE_PREFIX}*`, ...(target.ignore ?? [])],
    onlyFiles: false,
    objectMode: true,
    followSymbolicLinks: false,
    dot: false,
  });
  const pick = (kind: "isFile" | "isSymbolicLink") =>
    entries
      .filter((e) => e.dirent[kind]())
      .map((e) => e.path)
      .sort(compareStrings);
  return { files: pick("isFile"), links: pick("isSymbolicLink") };
}

/** How a file is loaded by Node: `.mjs` ESM, `.cjs` CJS, `.js` by the package type. */
export function moduleFormat(file: string, copy: PackageCopy): "esm" | "cjs" {
  if (file.endsWith(".mjs")) return "esm";
  if (file.endsWith(".cjs")) return "cjs";
  return copy.type === "module" ? "esm" : "cjs";
}

import { lstatSync } from "node:fs";
import { join } from "node:path";
import { ClawmendError } from "../core/errors.js";
import { ADDED_FILE_PREFIX, LOCK_NAME, STATE_DIR } from "../core/paths.js";
import type { PatchTarget } from "../core/spec.js";
import { compileGlobs, walkGlobs, type GlobEntry, type Listings } from "./glob.js";
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

/** What a target's globs match in a package copy, relative, sorted. */
export interface Selection {
  files: string[];
  /** Symbolic links the globs match: never read or patched through (npm installs none inside a package). */
  links: string[];
}

/** `listings` may be shared by the targets of one copy while nothing is written to it. */
export async function selectFiles(copy: PackageCopy, target: PatchTarget, listings?: Listings): Promise<Selection> {
  const { entries, linkedDirs } = await glob(copy.dir, target, listings);
  const underLink = (path: string) => linkedDirs.some((dir) => path.startsWith(`${dir}/`));
  const pick = (kind: "isFile" | "isSymbolicLink") =>
    entries
      .filter((e) => e.dirent[kind]() && !underLink(e.path))
      .map((e) => e.path)
      .sort(compareStrings);
  return { files: pick("isFile"), links: [...linkedDirs, ...pick("isSymbolicLink")].sort(compareStrings) };
}

async function glob(dir: string, target: PatchTarget, listings?: Listings): Promise<{ entries: GlobEntry[]; linkedDirs: string[] }> {
  const ignore = [...EXCLUDED_GLOBS, ...(target.ignore ?? [])];
  try {
    // One walk that never enters a link: nothing it returns lies under one.
    const compiled = compileGlobs(target.files, ignore);
    const walked = compiled && walkGlobs(dir, compiled, listings);
    if (walked) return { entries: walked, linkedDirs: [] };
    // fast-glob (a large module graph) is loaded only for the shapes the walk does not compile.
    const { default: fg } = await import("fast-glob");
    const entries = fg.sync(target.files, {
      cwd: dir,
      ignore,
      onlyFiles: false,
      objectMode: true,
      followSymbolicLinks: false,
      dot: true,
    });
    // fast-glob walks no link it meets, but reads the fixed start of a pattern (`dist` of
    // `dist/**/*.js`) through one: whatever is under a linked directory is a link too.
    return {
      entries,
      linkedDirs: linkedDirectories(
        dir,
        entries.map((e) => e.path),
      ),
    };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (!e.path) throw error;
    if (lstatSync(e.path, { throwIfNoEntry: false })?.isSymbolicLink())
      throw ClawmendError.tampered(e.path, "is a symbolic link where clawmend expects a directory");
    throw ClawmendError.cannotApply(`cannot list ${e.path} (${e.code ?? e.message}): nothing was changed`);
  }
}

/** The directories (relative) holding `paths` that are links, outermost only. */
function linkedDirectories(root: string, paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) dirs.add(path.slice(0, i));
  }
  const linked: string[] = [];
  for (const dir of [...dirs].sort(compareStrings)) {
    if (linked.some((l) => dir.startsWith(`${l}/`))) continue;
    if (lstatSync(join(root, dir), { throwIfNoEntry: false })?.isSymbolicLink()) linked.push(dir);
  }
  return linked;
}

/** How a file is loaded by Node: `.mjs` ESM, `.cjs` CJS, `.js` by the package type. */
export function moduleFormat(file: string, copy: PackageCopy): "esm" | "cjs" {
  if (file.endsWith(".mjs")) return "esm";
  if (file.endsWith(".cjs")) return "cjs";
  return copy.type === "module" ? "esm" : "cjs";
}

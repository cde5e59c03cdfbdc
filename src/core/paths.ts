/** What clawmend keeps inside a package copy (manifest, originals): never a patch target. */
export const STATE_DIR = ".clawmend";

/**
 * Every file a patch adds to a package is named `clawmend-*`: no patch ever edits one (they
 * are clawmend's own code), and a reader of the dist sees at once what is not the package's.
 */
export const ADDED_FILE_PREFIX = "clawmend-";

/** The lock a patch run holds on its root. */
export const LOCK_NAME = ".clawmend.lock";

/** Suffix of a file being written (staged) next to its destination. */
export const TEMP_SUFFIX = ".clawmend-tmp";

/** Joins a copy's relative directory and a path inside it (`.` is the root). */
export function joinRel(dir: string, file: string): string {
  return dir === "." ? file : `${dir}/${file}`;
}

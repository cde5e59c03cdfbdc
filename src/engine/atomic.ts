import { closeSync, fchmodSync, fsyncSync, renameSync, rmSync, writeSync } from "node:fs";
import { posix } from "node:path";
import { createInside, insidePath, mkdirInside } from "../core/confine.js";
import { TEMP_SUFFIX } from "../core/paths.js";

/** A file written next to its destination, not yet visible under its name. */
export interface StagedFile {
  root: string;
  rel: string;
  path: string;
  temp: string;
}

/**
 * Writes data to `<root>/<rel>.clawmend-tmp` (fsynced, with the given mode). The directories on
 * the way are created inside `root` (a link on the way is refused), and the temp file is created
 * new: a link planted under its name is removed, never written through.
 */
export function stageFile(root: string, rel: string, data: string | Uint8Array, mode: number): StagedFile {
  mkdirInside(root, posix.dirname(rel));
  const path = insidePath(root, rel);
  const fd = createInside(root, `${rel}${TEMP_SUFFIX}`, mode);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fchmodSync(fd, mode);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { root, rel, path, temp: `${path}${TEMP_SUFFIX}` };
}

/**
 * Makes a staged file visible under its name in one step (rename is atomic on POSIX and replaces
 * a link, never its target). The way there is checked again: a directory swapped for a link
 * since staging is refused.
 */
export function commitFile(staged: StagedFile): void {
  insidePath(staged.root, staged.rel);
  renameSync(staged.temp, staged.path);
}

export function discardStaged(staged: readonly StagedFile[]): void {
  for (const file of staged) rmSync(file.temp, { force: true });
}

/** Stage + commit one file. */
export function writeFileAtomic(root: string, rel: string, data: string | Uint8Array, mode = 0o644): void {
  commitFile(stageFile(root, rel, data, mode));
}

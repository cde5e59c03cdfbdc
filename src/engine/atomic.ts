import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync, chmodSync } from "node:fs";
import { dirname } from "node:path";
import { TEMP_SUFFIX } from "../core/paths.js";

/** A file written next to its destination, not yet visible under its name. */
export interface StagedFile {
  path: string;
  temp: string;
}

/** Writes data to `<path>.clawmend-tmp` (fsynced, with the given mode). */
export function stageFile(path: string, data: string | Uint8Array, mode: number): StagedFile {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}${TEMP_SUFFIX}`;
  const fd = openSync(temp, "w", mode);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, mode);
  return { path, temp };
}

/** Makes a staged file visible under its name in one step (rename is atomic on POSIX). */
export function commitFile(staged: StagedFile): void {
  renameSync(staged.temp, staged.path);
}

export function discardStaged(staged: readonly StagedFile[]): void {
  for (const file of staged) rmSync(file.temp, { force: true });
}

/** Stage + commit one file. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  commitFile(stageFile(path, data, mode));
}

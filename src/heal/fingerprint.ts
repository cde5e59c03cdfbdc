import { lstatSync } from "node:fs";
import { join } from "node:path";
import { unsafePathReason } from "../core/confine.js";

/**
 * One watched path and what `lstat` said of it: inode, size, mode and mtime in nanoseconds, or
 * `missing`. A reinstall gives every file a new inode and mtime; an edit in place changes the
 * mtime (and usually the size). Comparing rows costs one `lstat` per path: no file is read.
 */
export type StatRow = readonly [rel: string, stat: string];

export function statText(root: string, rel: string): string {
  const st = lstatSync(rel === "." ? root : join(root, rel), { bigint: true, throwIfNoEntry: false });
  if (!st) return "missing";
  const kind = st.isDirectory() ? "d" : st.isFile() ? "f" : st.isSymbolicLink() ? "l" : "o";
  return `${kind}:${st.dev}:${st.ino}:${st.size}:${st.mode}:${st.mtimeNs}`;
}

export function statRows(root: string, rels: Iterable<string>): StatRow[] {
  return [...new Set(rels)].sort().map((rel) => [rel, statText(root, rel)] as const);
}

/** Whether every watched path still stats as recorded (stops at the first difference). */
export function unchangedRows(root: string, rows: readonly StatRow[]): boolean {
  return rows.every(([rel, stat]) => statText(root, rel) === stat);
}

/** A path a stamp may name: relative, normalised, inside its root, no control characters. */
export function isConfinedRel(rel: unknown): rel is string {
  return unsafePathReason(rel) === null;
}

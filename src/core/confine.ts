/**
 * Every file clawmend reads, writes or removes inside a package copy goes through here: paths
 * relative to the copy, checked as text (no `..`, not absolute, no control characters) and on
 * disk (no directory on the way is a symbolic link, the file itself is opened without following
 * one). Whatever is planted in a tree, nothing outside it is read, written or removed.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { ClawmendError } from "./errors.js";

/** 0 where the platform has no O_NOFOLLOW (Windows): the component checks still apply. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const MAX_PATH = 4096;

/** Why `rel` is not a safe relative path inside a package, or null when it is. */
export function unsafePathReason(rel: unknown): string | null {
  if (typeof rel !== "string") return "is not a string";
  if (rel.length === 0) return "is empty";
  if (rel.length > MAX_PATH) return `is longer than ${MAX_PATH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rel)) return "holds a control character";
  if (rel.includes("\\")) return "holds a backslash";
  if (rel.startsWith("/")) return "is absolute";
  for (const segment of rel.split("/")) {
    if (segment === "..") return "climbs out with ..";
    if (segment === "" || segment === ".") return "is not normalised";
  }
  return null;
}

/** A path as a log line can show it: quoted, escaped, cut short. */
export function showPath(rel: unknown): string {
  const text = JSON.stringify(typeof rel === "string" ? rel : String(rel));
  return text.length > 120 ? `${text.slice(0, 117)}..."` : text;
}

function checkRelPath(root: string, rel: string): void {
  const reason = unsafePathReason(rel);
  if (reason) throw ClawmendError.tampered(root, `the path ${showPath(rel)} ${reason}`);
}

/** Throws unless `st` (of `root/rel`) is a directory itself, not a link to one. */
function expectDirectory(root: string, rel: string, st: Stats): void {
  if (st.isSymbolicLink()) throw ClawmendError.tampered(join(root, rel), "is a symbolic link where clawmend expects a directory");
  if (!st.isDirectory()) throw ClawmendError.tampered(join(root, rel), "is not a directory");
}

/** `root/rel`, when it exists, is a directory itself (clawmend's state directory, the lock). */
export function expectDirectoryInside(root: string, rel: string): void {
  const st = lstatInside(root, rel);
  if (st) expectDirectory(root, rel, st);
}

/**
 * `root/rel` after checking that `rel` is safe and that no directory between `root` and the file
 * is a symbolic link or not a directory. Stops at the first missing component (nothing below it
 * exists). Throws a tampered-state error otherwise.
 */
export function insidePath(root: string, rel: string): string {
  checkRelPath(root, rel);
  const segments = rel.split("/");
  let prefix = "";
  for (const segment of segments.slice(0, -1)) {
    prefix = prefix ? `${prefix}/${segment}` : segment;
    const st = lstatSync(join(root, prefix), { throwIfNoEntry: false });
    if (!st) break;
    expectDirectory(root, prefix, st);
  }
  return join(root, rel);
}

/** The entry at `root/rel` itself (a link is not followed), or undefined when there is none. */
export function lstatInside(root: string, rel: string): Stats | undefined {
  return lstatSync(insidePath(root, rel), { throwIfNoEntry: false });
}

/** The bytes of the regular file at `root/rel`, or null when there is none (a link, a directory, a missing file). */
export function readRegularInside(root: string, rel: string): Buffer | null {
  const path = insidePath(root, rel);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW);
  } catch {
    return null;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd) : null;
  } finally {
    closeSync(fd);
  }
}

/** Creates `root/relDir` one directory at a time, refusing a link or a file on the way. */
export function mkdirInside(root: string, relDir: string): void {
  if (relDir === "." || relDir === "") return;
  checkRelPath(root, relDir);
  let prefix = "";
  for (const segment of relDir.split("/")) {
    prefix = prefix ? `${prefix}/${segment}` : segment;
    const path = join(root, prefix);
    if (!lstatSync(path, { throwIfNoEntry: false })) {
      try {
        mkdirSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    expectDirectory(root, prefix, lstatSync(path));
  }
}

/** Opens a new file at `root/rel` for writing: whatever was there (a link too) is removed first, never followed. */
export function createInside(root: string, rel: string, mode: number): number {
  const path = insidePath(root, rel);
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) unlinkSync(path);
  return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode);
}

/** Removes `root/rel` when it is a regular file; a link, a directory or anything else is left. */
export function unlinkInside(root: string, rel: string): boolean {
  const st = lstatInside(root, rel);
  if (!st?.isFile()) return false;
  unlinkSync(join(root, rel));
  return true;
}

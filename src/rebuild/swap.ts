/**
 * How a rebuilt runtime replaces the previous one.
 *
 * DEST is a symlink to a content-addressed sibling `DEST.clawmend-<digest16>`. A rebuild
 * builds in `DEST.clawmend-tmp-<pid>-<rand>`, renames the finished tree to its
 * content-addressed name, then flips DEST by renaming a fresh symlink over it. Both steps
 * are rename(2) within one directory: atomic on POSIX. At every instant DEST resolves to a
 * complete tree, either the previous one or the new one; a rebuild killed at any point
 * leaves the previous one in place, and its leftovers are removed by the next run.
 *
 * Why a symlink rather than two renames of directories: a directory cannot replace a
 * non-empty directory in one rename, so `mv DEST old && mv new DEST` has a window with no
 * DEST (a service restarting then fails). And a running gateway loads its hashed chunks
 * lazily: Node resolves the entry's real path, so a process started from the old tree
 * keeps loading from `DEST.clawmend-<old>` (kept: the previous build is never collected)
 * instead of finding another release's chunk names under the same path.
 *
 * The one non-atomic step is the first migration of a DEST that is a real directory (a
 * mirror made by hand or by an older script): it is renamed aside to
 * `DEST.clawmend-replaced-<rand>` (kept, never deleted) and the link renamed in; a run
 * killed between those two renames is repaired by the next run, which puts the old
 * directory back before it does anything else.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { ClawmendError } from "../core/errors.js";

export const STORE_INFIX = ".clawmend-";

export interface Siblings {
  parent: string;
  base: string;
}

export function siblingsOf(dest: string): Siblings {
  return { parent: dirname(dest), base: basename(dest) };
}

export function storeName(dest: string, digest: string): string {
  return `${basename(dest)}${STORE_INFIX}${digest.slice(0, 16)}`;
}

export function tempName(dest: string, kind: "tmp" | "link" | "stale" | "replaced"): string {
  return `${basename(dest)}${STORE_INFIX}${kind}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function storePattern(dest: string): RegExp {
  return new RegExp(`^${escapeRegExp(basename(dest))}${escapeRegExp(STORE_INFIX)}[0-9a-f]{16}$`);
}

function leftoverPattern(dest: string, kind: string): RegExp {
  return new RegExp(`^${escapeRegExp(basename(dest))}${escapeRegExp(STORE_INFIX)}${kind}-\\d+-[0-9a-f]+$`);
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** The store entry DEST points at (its sibling name), or null when DEST is not a clawmend link. */
export function currentStore(dest: string): string | null {
  const st = lstatOrNull(dest);
  if (!st?.isSymbolicLink()) return null;
  const target = readlinkSync(dest);
  return storePattern(dest).test(target) ? target : null;
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // not every filesystem lets a directory be fsynced; rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Points DEST at the sibling `store` in one rename. DEST may be missing, a symlink, or (the
 * first time) a real directory, which is moved aside and kept; returns that path if so.
 */
export function pointAt(dest: string, store: string): { replaced: string | null } {
  const { parent } = siblingsOf(dest);
  const link = join(parent, tempName(dest, "link"));
  symlinkSync(store, link);
  const st = lstatOrNull(dest);
  let replaced: string | null = null;
  try {
    if (st?.isDirectory()) {
      replaced = join(parent, tempName(dest, "replaced"));
      renameSync(dest, replaced);
      try {
        renameSync(link, dest);
      } catch (error) {
        renameSync(replaced, dest);
        replaced = null;
        throw error;
      }
    } else {
      renameSync(link, dest);
    }
  } finally {
    rmSync(link, { force: true });
  }
  fsyncDir(parent);
  return { replaced };
}

export interface Recovery {
  /** Leftovers of killed runs that were removed. */
  removed: string[];
  /** A moved-aside DEST that was put back (a run was killed mid-migration). */
  restored: string | null;
}

/**
 * Repairs what a killed rebuild left (call with the rebuild lock held, so no other run is
 * using these names): half-built trees, temp links, stale trees; and a DEST left missing
 * in the middle of its first migration gets its directory back.
 */
export function recover(dest: string): Recovery {
  const { parent } = siblingsOf(dest);
  const removed: string[] = [];
  let restored: string | null = null;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return { removed, restored };
  }
  if (!lstatOrNull(dest)) {
    const replaced = names.filter((n) => leftoverPattern(dest, "replaced").test(n)).sort();
    const latest = replaced.at(-1);
    if (latest) {
      renameSync(join(parent, latest), dest);
      fsyncDir(parent);
      restored = join(parent, latest);
    }
  }
  for (const kind of ["tmp", "link", "stale"]) {
    for (const name of names.filter((n) => leftoverPattern(dest, kind).test(n))) {
      rmTree(join(parent, name));
      removed.push(join(parent, name));
    }
  }
  return { removed, restored };
}

/** Removes content-addressed builds other than `keep` (the new one and the previous one). */
export function collect(dest: string, keep: ReadonlyArray<string | null>): string[] {
  const { parent } = siblingsOf(dest);
  const pattern = storePattern(dest);
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    if (!pattern.test(name) || keep.includes(name)) continue;
    // Renamed first so a half-deleted tree is never left under a name a link may point at.
    const stale = join(parent, tempName(dest, "stale"));
    renameSync(join(parent, name), stale);
    rmTree(stale);
    removed.push(join(parent, name));
  }
  return removed;
}

/** rm -rf that also copes with read-only directories inside the tree. */
export function rmTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES") throw error;
    makeWritable(path);
    rmSync(path, { recursive: true, force: true });
  }
}

function makeWritable(path: string): void {
  const st = lstatOrNull(path);
  if (!st?.isDirectory()) return;
  try {
    if ((st.mode & 0o700) !== 0o700) chmodSync(path, st.mode | 0o700);
  } catch {
    return;
  }
  for (const name of readdirSync(path)) makeWritable(join(path, name));
}

/**
 * An exclusive lock for rebuilds of one DEST: a file created with O_EXCL next to it that
 * names its owner. A lock whose owner process is gone (SIGKILL) is taken over at once.
 */
export async function withRebuildLock<T>(dest: string, work: () => Promise<T>, waitMs = 600_000): Promise<T> {
  const path = `${dest}${STORE_INFIX}rebuild.lock`;
  const me = JSON.stringify({ pid: process.pid, host: hostname() });
  const started = Date.now();
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, me);
      closeSync(fd);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
        throw ClawmendError.usage(`cannot write next to ${dest} (${code}): choose a --to you own`);
      }
      if (code !== "EEXIST") throw error;
      const owner = readOwner(path);
      const unreadable = !owner && Date.now() - (lstatOrNull(path)?.mtimeMs ?? 0) > 5_000;
      if (unreadable || (owner && owner.host === hostname() && !alive(owner.pid))) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() - started > waitMs) {
        throw ClawmendError.usage(`another rebuild (pid ${owner?.pid ?? "?"}) holds ${path}; try again when it ends`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await work();
  } finally {
    try {
      if (readFileSync(path, "utf8") === me) unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

function readOwner(path: string): { pid: number; host: string } | null {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { pid: number; host: string };
    return typeof parsed.pid === "number" ? parsed : null;
  } catch {
    // being written right now, or garbage: a lock created by O_EXCL and written at once
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

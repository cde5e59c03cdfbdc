import { createHash } from "node:crypto";
import {
  chmodSync,
  constants,
  type Dirent,
  copyFileSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ClawmendError, systemFailure } from "../core/errors.js";
import type { CopiedFile, CopyJob, CopyWorkerData } from "./copy-worker.js";
import { copyWorkerScript } from "./copy-worker.generated.js";
import { WorkerPool } from "./worker-pool.js";

/**
 * Content hash of each file: BLAKE2b-512 (OpenSSL), as collision-resistant as SHA-256 and
 * about twice as fast on CPUs without SHA extensions; hashing 400 MB is most of the CPU a
 * rebuild spends beyond the copy itself. The digests printed are SHA-256 over these.
 */
export const FILE_HASH = "blake2b512";

/** One entry of a mirrored tree, as the tree digest sees it. */
export type TreeEntry =
  { kind: "dir"; mode: number } | { kind: "file"; mode: number; size: number; hash: string } | { kind: "link"; target: string };

/** Files sent to a copy worker at once. */
const BATCH = 128;

export interface MirrorOptions {
  /** Called after each batch of files (not more often than the caller wants to draw). */
  onProgress?: (files: number, totalFiles: number, bytes: number) => void;
  /** Names skipped anywhere in the tree (runtime debris, not package content). */
  skip?: (relPath: string, name: string) => boolean;
  /** Parallel copy workers (default: cores, 2..4). */
  workers?: number;
}

export interface MirrorResult {
  /** Every entry by relative POSIX path (the root itself is not listed). */
  entries: Map<string, TreeEntry>;
  files: number;
  bytes: number;
  /** How file data was copied: copy-on-write clones, or read+write. */
  method: "reflink" | "copy";
  /** Links whose absolute target pointed into SRC: rewritten relative, so DEST stands alone. */
  rewrittenLinks: string[];
  /** Links that point outside SRC: kept (absolute), DEST depends on them. */
  externalLinks: Array<{ path: string; target: string }>;
  /** Sockets, FIFOs, devices: not package content, not copied. */
  skippedSpecial: string[];
  /** Source mtimes (ns) of directories and links, applied by {@link settleTree}. */
  times: Map<string, bigint>;
}

/** True when `inner` is `outer` or lies inside it (both absolute, normalised). */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function toPosix(rel: string): string {
  return sep === "/" ? rel : rel.split(sep).join("/");
}

/**
 * Copies the tree at `src` (a real directory path) into `dest` (must not exist): directories,
 * regular files (mode and mtime kept, data cloned copy-on-write where possible), symlinks.
 * A symlink whose target lies inside SRC (`srcAliases`: every path SRC is known by) is kept
 * relative, so DEST works with SRC moved away. Never writes under `src`.
 */
export function mirrorTree(src: string, dest: string, srcAliases: readonly string[], options: MirrorOptions = {}): Promise<MirrorResult> {
  return walkTree(src, dest, srcAliases, options, "mirror");
}

/** What {@link hashTree} reads of a tree: what a mirror of it would hold, nothing written. */
export type TreeView = Omit<MirrorResult, "method" | "times">;

/**
 * Reads and hashes a tree without writing anything, through the same walk and workers as
 * {@link mirrorTree}: `links: "mirror"` gives the entries a mirror of `root` would get before
 * clawmend patches it (links rewritten as the mirror rewrites them, the same names skipped);
 * `links: "verbatim"` gives an existing tree as it is (each link's own text), to compare it with
 * what it held when it was built. Links are never followed; files are opened without following one.
 */
export async function hashTree(
  root: string,
  srcAliases: readonly string[],
  options: Omit<MirrorOptions, "skip"> & { skip?: MirrorOptions["skip"]; links: "mirror" | "verbatim" },
): Promise<TreeView> {
  const { method: _method, times: _times, ...view } = await walkTree(root, null, srcAliases, options, options.links);
  return view;
}

async function walkTree(
  src: string,
  dest: string | null,
  srcAliases: readonly string[],
  options: MirrorOptions,
  links: "mirror" | "verbatim",
): Promise<MirrorResult> {
  const entries = new Map<string, TreeEntry>();
  const times = new Map<string, bigint>();
  const rewrittenLinks: string[] = [];
  const externalLinks: MirrorResult["externalLinks"] = [];
  const skippedSpecial: string[] = [];
  const walkStart = Date.now();
  const found = { files: 0 };
  const copied = { files: 0, bytes: 0 };
  const failed = (detail: string) => (dest === null ? `cannot read ${src}: ${detail}` : `copy failed: ${detail}; nothing was swapped in`);

  // Copying starts as soon as the walk has a batch: a pool of synchronous workers (copy-worker.ts)
  // fed from a queue, while the walk (which yields to the event loop every few directories) goes on.
  const pool = new WorkerPool<CopyJob, CopiedFile[]>({
    script: copyWorkerScript,
    workerData: { src, dest, umask: process.umask(), algorithm: FILE_HASH } satisfies CopyWorkerData,
    size: Math.max(1, options.workers ?? Math.max(2, Math.min(4, availableParallelism()))),
    onResult: (files) => {
      for (const [rel, mode, size, hash] of files) {
        entries.set(rel, { kind: "file", mode, size, hash });
        copied.bytes += size;
      }
      copied.files += files.length;
      options.onProgress?.(copied.files, found.files, copied.bytes);
    },
    failure: (detail) => ClawmendError.cannotApply(failed(detail)),
  });
  // Chosen at the first file (a clone of it is tried), for every file.
  let method: MirrorResult["method"] | null = null;
  let batch: string[] = [];
  const addFile = (rel: string) => {
    method ??= dest !== null && probeReflink(src, dest, rel) ? "reflink" : "copy";
    found.files += 1;
    batch.push(rel);
    if (batch.length >= BATCH) {
      pool.submit({ files: batch, reflink: method === "reflink" });
      batch = [];
    }
  };

  let walkMs: number;
  try {
    // 1. Walk SRC (directories listed, never followed through links), creating the directory
    //    skeleton and the links in DEST. Directories get their real mode at the end.
    if (dest !== null) mkdirSync(dest, { mode: 0o700 });
    const stack: string[] = [""];
    let sinceYield = 0;
    while (stack.length > 0) {
      if (pool.failure) throw pool.failure;
      const relDir = stack.pop()!;
      const absDir = relDir ? join(src, relDir) : src;
      let names: Dirent[];
      try {
        names = readdirSync(absDir, { withFileTypes: true });
      } catch (error) {
        throw ClawmendError.cannotApply(`cannot read ${absDir}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
      for (const dirent of names) {
        const name = dirent.name;
        const rel = relDir ? `${relDir}/${name}` : name;
        if (options.skip?.(rel, name)) continue;
        // d_type says what an entry is without a stat; files are stat'ed by the worker that copies them.
        if (dirent.isFile()) {
          addFile(rel);
          continue;
        }
        const abs = join(absDir, name);
        const st = lstatSync(abs, { bigint: true });
        if (st.isDirectory()) {
          if (dest !== null) mkdirSync(join(dest, rel), { mode: 0o700 });
          entries.set(rel, { kind: "dir", mode: Number(st.mode) & 0o7777 });
          times.set(rel, st.mtimeNs);
          stack.push(rel);
        } else if (st.isFile()) {
          addFile(rel);
        } else if (st.isSymbolicLink()) {
          const target = links === "verbatim" ? readlinkSync(abs) : linkTargetFor(abs, rel, src, srcAliases, rewrittenLinks, externalLinks);
          if (dest !== null) symlinkSync(target, join(dest, rel));
          entries.set(rel, { kind: "link", target });
          times.set(rel, st.mtimeNs);
        } else {
          skippedSpecial.push(rel);
        }
      }
      if (++sinceYield >= 16) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    if (batch.length > 0) pool.submit({ files: batch, reflink: method === "reflink" });
    walkMs = Date.now() - walkStart;
    await pool.drain();
  } catch (error) {
    // The pool's failures already are ClawmendErrors; a failed call of the walk becomes one.
    throw systemFailure(error, failed);
  } finally {
    await pool.close();
  }
  if (process.env.CLAWMEND_DEBUG_TIMING)
    process.stderr.write(
      `${dest === null ? "hash" : "mirror"}: walk ${walkMs}ms, total ${Date.now() - walkStart}ms, ${pool.started} workers\n`,
    );
  return {
    entries,
    files: found.files,
    bytes: copied.bytes,
    method: method ?? "copy",
    rewrittenLinks,
    externalLinks,
    skippedSpecial,
    times,
  };
}

/**
 * What a copied link should point at. A link inside SRC keeps its text when it is relative
 * and stays inside; an absolute link into SRC becomes relative; a relative link that climbs
 * out of SRC becomes absolute (its meaning is where it pointed from SRC); other absolute
 * links are kept and reported.
 */
function linkTargetFor(
  abs: string,
  rel: string,
  src: string,
  srcAliases: readonly string[],
  rewritten: string[],
  external: MirrorResult["externalLinks"],
): string {
  const text = readlinkSync(abs);
  const resolved = resolve(dirname(abs), text);
  for (const root of [src, ...srcAliases]) {
    if (isInside(resolved, root)) {
      const inner = relative(root, resolved);
      const fromDir = dirname(join(src, rel));
      const relTarget = toPosix(relative(fromDir, join(src, inner))) || ".";
      if (isAbsolute(text) || root !== src) {
        rewritten.push(rel);
        return relTarget;
      }
      return text;
    }
  }
  external.push({ path: rel, target: resolved });
  return resolved;
}

function probeReflink(src: string, dest: string, rel: string): boolean {
  const probe = join(dest, `.clawmend-reflink-probe-${process.pid}`);
  try {
    copyFileSync(join(src, rel), probe, constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * Settles the tree after clawmend wrote into it, so the same inputs give the same tree,
 * times and modes included: files clawmend wrote (and directories it created) get
 * `fixedNs` as mtime and are re-hashed into `result.entries`; every directory gets its
 * source mode and mtime back (children first), links their source mtime, and the root
 * its source mode and mtime.
 */
export function settleTree(
  dest: string,
  result: MirrorResult,
  written: Iterable<string>,
  root: { mode: number; mtimeNs: bigint },
  fixedNs: bigint,
): void {
  const fixed = Number(fixedNs) / 1e9;
  for (const rel of written) {
    const abs = join(dest, rel);
    const st = lstatSync(abs, { bigint: true });
    if (st.isFile()) {
      const data = readFileSync(abs);
      result.entries.set(rel, {
        kind: "file",
        mode: Number(st.mode) & 0o7777,
        size: data.length,
        hash: createHash(FILE_HASH).update(data).digest("hex"),
      });
      utimesSync(abs, fixed, fixed);
    } else if (st.isDirectory() && !result.entries.has(rel)) {
      result.entries.set(rel, { kind: "dir", mode: 0o755 });
      result.times.set(rel, fixedNs);
    }
    for (let dir = dirname(rel); dir !== "." && dir !== ""; dir = dirname(dir)) {
      if (result.entries.has(dir)) break;
      result.entries.set(dir, { kind: "dir", mode: 0o755 });
      result.times.set(dir, fixedNs);
    }
  }
  const dirs = [...result.entries].filter(([, e]) => e.kind === "dir").map(([rel, e]) => [rel, (e as { mode: number }).mode] as const);
  dirs.sort((a, b) => b[0].split("/").length - a[0].split("/").length);
  for (const [rel, mode] of dirs) {
    const abs = join(dest, rel);
    const seconds = Number(result.times.get(rel) ?? fixedNs) / 1e9;
    chmodSync(abs, mode | 0o700);
    utimesSync(abs, seconds, seconds);
    if ((mode & 0o700) !== 0o700) chmodSync(abs, mode);
  }
  for (const [rel, entry] of result.entries) {
    if (entry.kind !== "link") continue;
    const seconds = Number(result.times.get(rel) ?? fixedNs) / 1e9;
    try {
      lutimesSync(join(dest, rel), seconds, seconds);
    } catch {
      // some filesystems refuse link times; a link carries no content
    }
  }
  const rootSeconds = Number(root.mtimeNs) / 1e9;
  chmodSync(dest, root.mode | 0o700);
  utimesSync(dest, rootSeconds, rootSeconds);
  if ((root.mode & 0o700) !== 0o700) chmodSync(dest, root.mode);
}

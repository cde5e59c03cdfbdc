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
import { Worker } from "node:worker_threads";
import { ClawmendError } from "../core/errors.js";

/**
 * Content hash of each file: BLAKE2b-512 (OpenSSL), as collision-resistant as SHA-256 and
 * about twice as fast on CPUs without SHA extensions; hashing 400 MB is most of the CPU a
 * rebuild spends beyond the copy itself. The digests printed are SHA-256 over these.
 */
export const FILE_HASH = "blake2b512";

/** One entry of a mirrored tree, as the tree digest sees it. */
export type TreeEntry =
  { kind: "dir"; mode: number } | { kind: "file"; mode: number; size: number; hash: string } | { kind: "link"; target: string };

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

/**
 * The worker is plain JavaScript passed as a string, so it runs the same from `src/` under
 * a TypeScript loader and from the built `dist/`. Every call in it is synchronous: a worker
 * copies a whole batch without a thread-pool hop per syscall, and the hash runs on its own core.
 * Each file is read once: the bytes are hashed and written (or cloned, where the filesystem
 * supports copy-on-write, then hashed from the source read). The mode is given at open and
 * set again only when the umask would change it; mtime is kept like `cp -a`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const { src, dest, reflink, umask, algorithm } = workerData;
const FICLONE_FORCE = fs.constants.COPYFILE_FICLONE_FORCE;
let buffer = Buffer.allocUnsafe(1 << 20);
function readAll(fd, size) {
  if (buffer.length < size) buffer = Buffer.allocUnsafe(Math.max(size, buffer.length * 2));
  let off = 0;
  while (off < size) {
    const n = fs.readSync(fd, buffer, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return off;
}
parentPort.on("message", (batch) => {
  const out = [];
  try {
    for (const rel of batch) {
      const from = src + "/" + rel;
      const to = dest + "/" + rel;
      const fd = fs.openSync(from, "r");
      let st, n;
      try {
        st = fs.fstatSync(fd, { bigint: true });
        n = readAll(fd, Number(st.size));
      } finally {
        fs.closeSync(fd);
      }
      const data = buffer.subarray(0, n);
      const sha = createHash(algorithm).update(data).digest("hex");
      const mode = Number(st.mode) & 0o7777;
      const seconds = Number(st.mtimeNs) / 1e9;
      if (reflink) {
        fs.copyFileSync(from, to, FICLONE_FORCE | fs.constants.COPYFILE_EXCL);
        fs.chmodSync(to, mode | 0o200);
        fs.utimesSync(to, seconds, seconds);
        if ((mode & 0o200) === 0) fs.chmodSync(to, mode);
      } else {
        const w = fs.openSync(to, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode & 0o777);
        try {
          let off = 0;
          while (off < n) off += fs.writeSync(w, data, off, n - off);
          if ((mode & ~umask) !== mode || mode > 0o777) fs.fchmodSync(w, mode);
          fs.futimesSync(w, seconds, seconds);
        } finally {
          fs.closeSync(w);
        }
      }
      out.push([rel, mode, n, sha]);
    }
    parentPort.postMessage({ ok: true, out });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message || error), code: error && error.code });
  }
});
`;

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
export async function mirrorTree(
  src: string,
  dest: string,
  srcAliases: readonly string[],
  options: MirrorOptions = {},
): Promise<MirrorResult> {
  const entries = new Map<string, TreeEntry>();
  const times = new Map<string, bigint>();
  const rewrittenLinks: string[] = [];
  const externalLinks: MirrorResult["externalLinks"] = [];
  const skippedSpecial: string[] = [];
  const walkStart = Date.now();
  let walkMs = 0;
  let totalFiles = 0;
  let doneFiles = 0;
  let doneBytes = 0;
  let method: MirrorResult["method"] = "copy";
  const umask = process.umask();

  // Copying starts as soon as the walk has a batch: a pool of synchronous workers fed from
  // a queue, while the walk (which yields to the event loop every few directories) goes on.
  const BATCH = 128;
  const queue: string[][] = [];
  let current: string[] = [];
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  let inflight = 0;
  let walkDone = false;
  let failure: Error | null = null;
  let finish: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const finished = new Promise<void>((resolvePromise, reject) => {
    finish = resolvePromise;
    fail = reject;
  });
  finished.catch(() => {}); // observed below
  const wantWorkers = Math.max(1, options.workers ?? Math.max(2, Math.min(4, availableParallelism())));
  const dispatch = () => {
    if (failure) return;
    while (queue.length > 0) {
      let worker = idle.pop();
      if (!worker && workers.length < wantWorkers) worker = startWorker();
      if (!worker) break;
      inflight += 1;
      worker.postMessage(queue.shift());
    }
    if (walkDone && queue.length === 0 && inflight === 0) finish();
  };
  const startWorker = (): Worker => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { src, dest, reflink: method === "reflink", umask, algorithm: FILE_HASH },
    });
    workers.push(worker);
    worker.on("error", (error) => {
      failure ??= error;
      fail(error);
    });
    worker.on("message", (msg: { ok: boolean; out?: Array<[string, number, number, string]>; error?: string }) => {
      inflight -= 1;
      if (!msg.ok) {
        failure ??= ClawmendError.cannotApply(`copy failed: ${msg.error}; nothing was swapped in`);
        return fail(failure);
      }
      for (const [rel, mode, size, sha] of msg.out!) {
        entries.set(rel, { kind: "file", mode, size, hash: sha });
        doneFiles += 1;
        doneBytes += size;
      }
      options.onProgress?.(doneFiles, walkDone ? totalFiles : Math.max(totalFiles, doneFiles), doneBytes);
      idle.push(worker);
      dispatch();
    });
    return worker;
  };
  const addFile = (rel: string) => {
    if (totalFiles === 0) method = probeReflink(src, dest, rel) ? "reflink" : "copy";
    totalFiles += 1;
    current.push(rel);
    if (current.length >= BATCH) {
      queue.push(current);
      current = [];
      dispatch();
    }
  };

  try {
    // 1. Walk SRC (directories listed, never followed through links), creating the directory
    //    skeleton and the links in DEST. Directories get their real mode at the end.
    mkdirSync(dest, { mode: 0o700 });
    const stack: string[] = [""];
    let sinceYield = 0;
    while (stack.length > 0) {
      if (failure) throw failure;
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
          mkdirSync(join(dest, rel), { mode: 0o700 });
          entries.set(rel, { kind: "dir", mode: Number(st.mode) & 0o7777 });
          times.set(rel, st.mtimeNs);
          stack.push(rel);
        } else if (st.isFile()) {
          addFile(rel);
        } else if (st.isSymbolicLink()) {
          const target = linkTargetFor(abs, rel, src, srcAliases, rewrittenLinks, externalLinks);
          symlinkSync(target, join(dest, rel));
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
    if (current.length) queue.push(current);
    current = [];
    walkDone = true;
    walkMs = Date.now() - walkStart;
    dispatch();
    await finished;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (process.env.CLAWMEND_DEBUG_TIMING)
    process.stderr.write(`mirror: walk ${walkMs}ms, total ${Date.now() - walkStart}ms, ${workers.length} workers\n`);
  return { entries, files: totalFiles, bytes: doneBytes, method, rewrittenLinks, externalLinks, skippedSpecial, times };
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

/**
 * The copy worker: the code each thread of the mirror's {@link WorkerPool} runs. It is not
 * imported: scripts/embed.mjs bundles it into `copyWorkerScript` (copy-worker.generated.ts),
 * which the pool starts as a worker, so it runs the same from src/ under the tests, from dist/
 * and from the command line's bundle. It imports only Node's own modules.
 *
 * Every call in it is synchronous: a worker copies a whole batch without a thread-pool hop per
 * syscall, and the hash runs on its own core. Each file is read once: the bytes are hashed and
 * written (or cloned, where the filesystem supports copy-on-write, then hashed from the source
 * read). The mode is given at open and set again only when the umask would change it; mtime is
 * kept like `cp -a`. A worker started without a DEST only reads and hashes (the check of an
 * unchanged rebuild, and of an existing build). A source file is opened without following a link:
 * a file swapped for a link after the walk saw it fails the job instead of being read through.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fstatSync,
  futimesSync,
  openSync,
  readSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { WorkerReply } from "./worker-pool.js";

/** What every copy worker starts with. */
export interface CopyWorkerData {
  src: string;
  /** null: read and hash only, write nothing. */
  dest: string | null;
  /** The main thread's umask (a worker cannot read it). */
  umask: number;
  /** The content hash (`FILE_HASH`). */
  algorithm: string;
}

/** One job: files by relative POSIX path, and whether to clone their data (copy-on-write). */
export interface CopyJob {
  files: string[];
  /** Ignored when the worker has no DEST. */
  reflink: boolean;
}

/** One copied file: its relative path, mode, size and content hash. */
export type CopiedFile = [rel: string, mode: number, size: number, hash: string];

/** Reused for every file, grown for a larger one. */
let buffer = Buffer.allocUnsafe(1 << 20);

/** Reads the whole file into `buffer`; returns the bytes read. */
function readAll(fd: number, size: number): number {
  if (buffer.length < size) buffer = Buffer.allocUnsafe(Math.max(size, buffer.length * 2));
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buffer, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return off;
}

function copyFile(rel: string, reflink: boolean, { src, dest, umask, algorithm }: CopyWorkerData): CopiedFile {
  const from = `${src}/${rel}`;
  const fd = openSync(from, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  let mode: number;
  let seconds: number;
  let size: number;
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) throw new Error(`${from} is no longer a regular file`);
    mode = Number(st.mode) & 0o7777;
    seconds = Number(st.mtimeNs) / 1e9;
    size = readAll(fd, Number(st.size));
  } finally {
    closeSync(fd);
  }
  const data = buffer.subarray(0, size);
  const hash = createHash(algorithm).update(data).digest("hex");
  if (dest === null) return [rel, mode, size, hash];
  const to = `${dest}/${rel}`;
  if (reflink) {
    copyFileSync(from, to, constants.COPYFILE_FICLONE_FORCE | constants.COPYFILE_EXCL);
    chmodSync(to, mode | 0o200);
    utimesSync(to, seconds, seconds);
    if ((mode & 0o200) === 0) chmodSync(to, mode);
  } else {
    const out = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode & 0o777);
    try {
      let off = 0;
      while (off < size) off += writeSync(out, data, off, size - off);
      if ((mode & ~umask) !== mode || mode > 0o777) fchmodSync(out, mode);
      futimesSync(out, seconds, seconds);
    } finally {
      closeSync(out);
    }
  }
  return [rel, mode, size, hash];
}

/** Answers each job with its copied files, or with the first failure's message. */
function serve(port: MessagePort, data: CopyWorkerData): void {
  port.on("message", ({ files, reflink }: CopyJob) => {
    let reply: WorkerReply<CopiedFile[]>;
    try {
      reply = { ok: true, value: files.map((rel) => copyFile(rel, reflink, data)) };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}

// Imported outside a worker thread (tsc compiles this file into dist/ too), it does nothing.
if (parentPort) serve(parentPort, workerData as CopyWorkerData);

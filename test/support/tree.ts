/**
 * Temp trees, and snapshots of whole trees to prove "no byte changed" (or exactly which did):
 * every entry (dot files, node_modules, `.clawmend/`): files by sha256 and mode, links by
 * target, directories by mode, and with `times` the mtime in ms. Files are hashed with bounded
 * concurrency: a 500 MB install takes a few seconds warm.
 *
 * A later snapshot of the same tree can take an earlier one as `reuse`: a file whose inode,
 * size, mtime and ctime are what they were then keeps its hash instead of being read again.
 * That is complete evidence, not sampling: every write to a file (and every chmod, utimes, link
 * or unlink of it) sets its ctime to the current time, and no call sets ctime back. A file whose
 * ctime lies within {@link RACY_MS} of the earlier snapshot's start is read again (a change in
 * the same clock tick as the one before it would leave ctime equal: git's "racy" case).
 */
import { createHash } from "node:crypto";
import { type BigIntStats, createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect } from "vitest";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp directory removed after the test file. */
export function tempDir(prefix = "clawmend-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes `{ "path/in/tree": "content" }` under a new temp dir (or `into`). */
export function writeTree(files: Record<string, string>, into = tempDir()): string {
  for (const [path, content] of Object.entries(files)) {
    const full = join(into, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return into;
}

/** POSIX relative path → `file <mode> <sha256>`, `link -> <target>`, `dir <mode>` (+ ` @<mtime ms>` with `times`). */
export type Snapshot = Map<string, string>;

export interface SnapshotOptions {
  times?: boolean;
  /** Leaves out a path (and, for a directory, everything under it). */
  skip?: (rel: string) => boolean;
  /** An earlier snapshot of this tree: files it saw unchanged since (stat, see above) are not read again. */
  reuse?: Snapshot;
}

/** Files changed this close (ms) before an earlier snapshot started are hashed again (coarse timestamps). */
export const RACY_MS = 2_000;

/** Per snapshot: when its walk started, and each file's stat identity with the hash it had. */
interface Seen {
  startedMs: number;
  files: Map<string, { id: string; ctimeMs: number; hash: string }>;
}
const seen = new WeakMap<Snapshot, Seen>();

async function hashFile(file: string, size: number): Promise<string> {
  if (size < 8 * 1024 * 1024)
    return createHash("sha256")
      .update(await fs.readFile(file))
      .digest("hex");
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

export async function snapshot(dir: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const startedMs = Date.now();
  const earlier = options.reuse ? seen.get(options.reuse) : undefined;
  if (options.reuse && !earlier) throw new Error("snapshot: `reuse` must be a snapshot this helper took");
  const files: Seen["files"] = new Map();
  const hashOf = async (abs: string, rel: string, st: BigIntStats): Promise<string> => {
    const id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const ctimeMs = Number(st.ctimeNs / 1_000_000n);
    const before = earlier?.files.get(rel);
    const hash =
      before && before.id === id && before.ctimeMs < earlier!.startedMs - RACY_MS ? before.hash : await hashFile(abs, Number(st.size));
    files.set(rel, { id, ctimeMs, hash });
    return hash;
  };
  const found: Array<[string, string, () => Promise<string>]> = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await fs.readdir(abs, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const a = join(abs, entry.name);
        const r = rel ? `${rel}/${entry.name}` : entry.name;
        if (options.skip?.(r)) return;
        const st = await fs.lstat(a, { bigint: true });
        const mode = (Number(st.mode) & 0o7777).toString(8);
        const time = options.times ? ` @${st.mtimeNs / 1_000_000n}` : "";
        if (st.isSymbolicLink()) {
          const target = await fs.readlink(a);
          found.push([r, "", async () => `link -> ${target}`]);
        } else if (st.isDirectory()) {
          found.push([r, "", async () => `dir ${mode}${time}`]);
          await walk(a, r);
        } else {
          found.push([r, "", async () => `file ${mode} ${await hashOf(a, r, st)}${time}`]);
        }
      }),
    );
  };
  await walk(dir, "");
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < found.length; i = next++) found[i]![1] = await found[i]![2]();
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const snap: Snapshot = new Map(found.map(([r, v]) => [r, v]));
  seen.set(snap, { startedMs, files });
  return snap;
}

/** What differs between two snapshots, one line per path (empty when they are equal). */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [path, a] of before) {
    const b = after.get(path);
    if (b === undefined) out.push(`removed ${path}`);
    else if (a !== b) out.push(`changed ${path}: ${a} → ${b}`);
  }
  for (const path of after.keys()) if (!before.has(path)) out.push(`added ${path}`);
  return out.sort();
}

/** Asserts two snapshots are equal, listing the first differences otherwise. */
export function expectSameTree(actual: Snapshot, expected: Snapshot): void {
  const diff = diffSnapshots(expected, actual);
  expect(diff.slice(0, 30), `${diff.length} differences`).toEqual([]);
}

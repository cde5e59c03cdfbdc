/**
 * Content snapshots of whole trees, to prove "no byte changed" (or exactly which did).
 * Every entry is included (dot files, node_modules, `.clawpatch/`: nothing skipped):
 * regular files by sha256 + mode, symlinks by target, directories by mode.
 *
 * Speed: files are hashed with bounded concurrency (native sha256, files read whole
 * when < 8 MB and streamed otherwise); a ~500 MB / 40k-file install takes a few
 * seconds warm.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

/** One entry of a snapshot. */
export interface SnapshotEntry {
  type: "file" | "symlink" | "dir" | "other";
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  /** sha256 hex of the content for files; the link target for symlinks; "" otherwise. */
  hash: string;
  /** Size in bytes (files only; 0 otherwise). */
  size: number;
}

/** Map from POSIX relative path (`dist/entry.js`) to entry; the root itself is not listed. */
export type Snapshot = Map<string, SnapshotEntry>;

/** Options for {@link snapshotTree}. */
export interface SnapshotOptions {
  /** Parallel file reads; default 32. */
  concurrency?: number;
}

async function hashFile(file: string, size: number): Promise<string> {
  if (size < 8 * 1024 * 1024) {
    return createHash("sha256")
      .update(await fs.readFile(file))
      .digest("hex");
  }
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

/**
 * Snapshot every entry under `dir` (symlinks are recorded, never followed).
 * Keys are sorted-insertion (lexicographic by relative path), so two equal trees give
 * maps that iterate identically.
 */
export async function snapshotTree(dir: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const root = path.resolve(dir);
  const found: Array<[string, SnapshotEntry, string]> = []; // rel, entry, abs (files to hash)
  const walk = async (abs: string, rel: string): Promise<void> => {
    const ents = await fs.readdir(abs, { withFileTypes: true });
    await Promise.all(
      ents.map(async (e) => {
        const a = path.join(abs, e.name);
        const r = rel ? `${rel}/${e.name}` : e.name;
        const st = await fs.lstat(a);
        const mode = st.mode & 0o7777;
        if (st.isSymbolicLink()) {
          found.push([r, { type: "symlink", mode, hash: await fs.readlink(a), size: 0 }, ""]);
        } else if (st.isDirectory()) {
          found.push([r, { type: "dir", mode, hash: "", size: 0 }, ""]);
          await walk(a, r);
        } else if (st.isFile()) {
          found.push([r, { type: "file", mode, hash: "", size: st.size }, a]);
        } else {
          found.push([r, { type: "other", mode, hash: "", size: 0 }, ""]);
        }
      }),
    );
  };
  await walk(root, "");
  const files = found.filter((f) => f[2] !== "");
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= files.length) return;
      const f = files[i]!;
      f[1].hash = await hashFile(f[2], f[1].size);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 32) }, worker));
  found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Map(found.map(([r, e]) => [r, e]));
}

/** Differences between two snapshots (relative paths, sorted). */
export interface SnapshotDiff {
  added: string[];
  removed: string[];
  /** Content (hash), type or symlink target differs. */
  changed: string[];
  /** Only the permission bits differ. */
  modeChanged: string[];
}

/** Compare `before` and `after`. */
export function diffSnapshots(before: Snapshot, after: Snapshot): SnapshotDiff {
  const d: SnapshotDiff = { added: [], removed: [], changed: [], modeChanged: [] };
  for (const [k, a] of before) {
    const b = after.get(k);
    if (!b) d.removed.push(k);
    else if (a.type !== b.type || a.hash !== b.hash) d.changed.push(k);
    else if (a.mode !== b.mode) d.modeChanged.push(k);
  }
  for (const k of after.keys()) if (!before.has(k)) d.added.push(k);
  for (const list of Object.values(d)) (list as string[]).sort();
  return d;
}

/** True when the diff has no entries at all. */
export function isEmptyDiff(d: SnapshotDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.modeChanged.length === 0;
}

/** Short human summary (first `limit` paths per kind), for assertion messages. */
export function formatDiff(d: SnapshotDiff, limit = 20): string {
  const parts: string[] = [];
  for (const [k, list] of Object.entries(d) as Array<[string, string[]]>) {
    if (list.length === 0) continue;
    parts.push(`${k} (${list.length}): ${list.slice(0, limit).join(", ")}${list.length > limit ? ", …" : ""}`);
  }
  return parts.length ? parts.join("\n") : "(no differences)";
}

/** Snapshot restricted to paths for which `keep(rel)` is true (e.g. drop `.clawpatch/`). */
export function filterSnapshot(s: Snapshot, keep: (rel: string) => boolean): Snapshot {
  return new Map([...s].filter(([k]) => keep(k)));
}

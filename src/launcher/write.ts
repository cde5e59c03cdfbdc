import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { ClawmendError } from "../core/errors.js";
import type { GeneratedFile } from "./generate.js";

export interface WrittenFile {
  path: string;
  absolutePath: string;
  mode: number;
  bytes: number;
  /** `unchanged`: the file already had these bytes and this mode; it was not touched. */
  status: "written" | "unchanged";
}

/**
 * Writes every file or none: each one goes to a temp file in its own directory (fsynced, with
 * its mode), and only when all temps exist are they renamed over the targets. Refuses, before
 * writing anything, when a target is a directory or a symlink, or a parent is not a directory.
 */
export function writeLauncherFiles(outDir: string, files: readonly GeneratedFile[]): WrittenFile[] {
  const plan = files.map((file) => {
    const absolutePath = join(outDir, ...file.path.split("/"));
    return { file, absolutePath, status: statusOf(absolutePath, file) };
  });
  for (const dir of new Set(plan.map((p) => dirname(p.absolutePath)))) ensureDir(dir);

  const temps: Array<{ temp: string; target: string }> = [];
  try {
    plan.forEach((p, i) => {
      if (p.status === "unchanged") return;
      const temp = join(dirname(p.absolutePath), `.${i}.clawmend-tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
      writeDurably(temp, p.file.content, p.file.mode);
      temps.push({ temp, target: p.absolutePath });
    });
  } catch (error) {
    for (const { temp } of temps) tryUnlink(temp);
    throw ClawmendError.usage(`cannot write into ${outDir}: ${message(error)} (nothing was written)`);
  }
  let renamed = 0;
  try {
    for (const { temp, target } of temps) {
      renameSync(temp, target);
      renamed++;
    }
  } catch (error) {
    for (const { temp } of temps.slice(renamed)) tryUnlink(temp);
    throw ClawmendError.usage(`cannot write into ${outDir}: ${message(error)}`);
  }
  for (const dir of new Set(temps.map((t) => dirname(t.target)))) syncDir(dir);
  return plan.map((p) => ({
    path: p.file.path,
    absolutePath: p.absolutePath,
    mode: p.file.mode,
    bytes: Buffer.byteLength(p.file.content),
    status: p.status,
  }));
}

function statusOf(target: string, file: GeneratedFile): "written" | "unchanged" {
  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    return "written";
  }
  if (stat.isSymbolicLink()) throw ClawmendError.usage(`refusing to replace the symlink ${target}`);
  if (!stat.isFile()) throw ClawmendError.usage(`refusing to replace ${target}: not a regular file`);
  if ((stat.mode & 0o7777) !== file.mode) return "written";
  try {
    return readFileSync(target, "utf8") === file.content ? "unchanged" : "written";
  } catch {
    return "written";
  }
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw ClawmendError.usage(`cannot create ${dir}: ${message(error)}`);
  }
  if (!lstatSync(dir).isDirectory()) throw ClawmendError.usage(`${dir} is not a directory`);
}

function writeDurably(path: string, content: string, mode: number): void {
  const fd = openSync(path, "wx", mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // openSync's mode is filtered by the umask: set it exactly.
  chmodSync(path, mode);
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not every filesystem lets a directory be fsynced
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

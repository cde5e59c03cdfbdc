import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { createHash } from "node:crypto";
import { afterAll } from "vitest";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp directory removed after the test file. */
export function tempDir(prefix = "clawpatch-"): string {
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

/** path → sha256 (+ mode) of every file under dir, for before/after comparisons. */
export function hashTree(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const rel = relative(dir, full);
      if (skip(rel)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        out[rel] = `${createHash("sha256").update(readFileSync(full)).digest("hex")} ${(statSync(full).mode & 0o777).toString(8)}`;
      }
    }
  };
  walk(dir);
  return out;
}

import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ClawmendError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { STATE_DIR, TEMP_SUFFIX } from "../core/paths.js";
import type { PatchSpec } from "../core/spec.js";
import { findPackageCopies } from "../discover/packages.js";
import { hasAnyMarker } from "../transforms/marker.js";
import { ORIGINALS_DIR, readManifest } from "../verify/manifest.js";
import { writeFileAtomic } from "./atomic.js";
import { withTreeLock } from "./lock.js";

export interface RevertedCopy {
  package: string;
  version: string;
  dir: string;
  restored: string[];
  removed: string[];
  /** Files changed since clawmend patched them: left as they are. */
  kept: Array<{ file: string; reason: string }>;
}

export interface RevertReport {
  root: string;
  copies: RevertedCopy[];
  exitCode: 0 | 1;
}

/**
 * Restores every file clawmend patched under `root` to its original bytes and removes what
 * it added (modules, backups, manifest). A file changed since it was patched is kept and
 * reported (exit 1) rather than overwritten.
 */
export async function revertTree(root: string, specs: readonly PatchSpec[]): Promise<RevertReport> {
  const dir = resolve(root);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw ClawmendError.usage(`root not found: ${dir}`);
  return withTreeLock(dir, async () => {
    const names = new Set(specs.flatMap((s) => s.targets.flatMap((t) => [t.package, ...(t.aliases ?? [])])));
    const copies = findPackageCopies(dir, names).filter((c) => existsSync(join(c.dir, STATE_DIR)));
    const reverted = copies.map((copy): RevertedCopy => {
      const manifest = readManifest(copy.dir);
      const result: RevertedCopy = { package: copy.name, version: copy.version, dir: copy.relDir, restored: [], removed: [], kept: [] };
      for (const [file, entry] of Object.entries(manifest?.files ?? {}).sort()) {
        const path = join(copy.dir, file);
        rmSync(`${path}${TEMP_SUFFIX}`, { force: true });
        if (entry.before === entry.after || !existsSync(path)) continue;
        const currentSha = sha256(readFileSync(path));
        if (currentSha === entry.before) continue;
        const backupPath = join(copy.dir, ORIGINALS_DIR, file);
        const backup = existsSync(backupPath) ? readFileSync(backupPath) : null;
        if (!backup || sha256(backup) !== entry.before) {
          result.kept.push({ file, reason: "original not kept under .clawmend/originals: reinstall the package to restore it" });
          continue;
        }
        if (currentSha !== entry.after && !hasAnyMarker(readFileSync(path))) {
          result.kept.push({ file, reason: "changed since clawmend patched it (a reinstall?): left as it is" });
          continue;
        }
        writeFileAtomic(path, backup, statSync(path).mode & 0o7777);
        result.restored.push(file);
      }
      for (const [asset, { sha256: sha }] of Object.entries(manifest?.added ?? {}).sort()) {
        const path = join(copy.dir, asset);
        rmSync(`${path}${TEMP_SUFFIX}`, { force: true });
        if (!existsSync(path)) continue;
        if (sha256(readFileSync(path)) !== sha) {
          result.kept.push({ file: asset, reason: "changed since clawmend wrote it: left as it is" });
          continue;
        }
        rmSync(path);
        result.removed.push(asset);
      }
      if (result.kept.length === 0) rmSync(join(copy.dir, STATE_DIR), { recursive: true, force: true });
      return result;
    });
    return { root: dir, copies: reverted, exitCode: reverted.some((c) => c.kept.length) ? 1 : 0 };
  });
}

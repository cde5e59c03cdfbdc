import { rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { insidePath, lstatInside, readRegularInside, unlinkInside } from "../core/confine.js";
import { ClawmendError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { STATE_DIR, TEMP_SUFFIX } from "../core/paths.js";
import type { PatchSpec } from "../core/spec.js";
import { findPackageCopies, type PackageCopy } from "../discover/packages.js";
import { hasAnyMarker } from "../transforms/marker.js";
import { ORIGINALS_DIR, type Manifest } from "../verify/manifest.js";
import { readManifest } from "../verify/manifest-read.js";
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

const NOT_REGULAR = "not a regular file (a symbolic link?): left as it is";

/**
 * Restores every file clawmend patched under `root` to its original bytes and removes what
 * it added (modules, backups, manifest). A file changed since it was patched is kept and
 * reported (exit 1) rather than overwritten. Every copy's state is checked before anything is
 * touched: a tampered one (a path leading outside its package) stops the run with nothing changed.
 */
export async function revertTree(root: string, specs: readonly PatchSpec[]): Promise<RevertReport> {
  const dir = resolve(root);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw ClawmendError.usage(`root not found: ${dir}`);
  return withTreeLock(dir, async () => {
    const names = new Set(specs.flatMap((s) => s.targets.flatMap((t) => [t.package, ...(t.aliases ?? [])])));
    const copies = findPackageCopies(dir, names).filter((c) => lstatInside(c.dir, STATE_DIR) !== undefined);
    const states = copies.map((copy) => ({ copy, manifest: readManifest(copy.dir) }));
    for (const { copy, manifest } of states) checkWays(copy.dir, manifest);
    const reverted = states.map(({ copy, manifest }) => revertCopy(copy, manifest));
    return { root: dir, copies: reverted, exitCode: reverted.some((c) => c.kept.length) ? 1 : 0 };
  });
}

/** No directory on the way to a path the manifest names (or to its backup) is a link. */
function checkWays(dir: string, manifest: Manifest | null): void {
  for (const file of Object.keys(manifest?.files ?? {})) {
    insidePath(dir, file);
    insidePath(dir, `${ORIGINALS_DIR}/${file}`);
  }
  for (const asset of Object.keys(manifest?.added ?? {})) insidePath(dir, asset);
}

function revertCopy(copy: PackageCopy, manifest: Manifest | null): RevertedCopy {
  const dir = copy.dir;
  const result: RevertedCopy = { package: copy.name, version: copy.version, dir: copy.relDir, restored: [], removed: [], kept: [] };
  for (const [file, entry] of Object.entries(manifest?.files ?? {}).sort()) {
    unlinkInside(dir, `${file}${TEMP_SUFFIX}`);
    if (entry.before === entry.after) continue;
    const st = lstatInside(dir, file);
    if (!st) continue;
    const current = st.isFile() ? readRegularInside(dir, file) : null;
    if (current === null) {
      result.kept.push({ file, reason: NOT_REGULAR });
      continue;
    }
    const currentSha = sha256(current);
    if (currentSha === entry.before) continue;
    const backup = readRegularInside(dir, `${ORIGINALS_DIR}/${file}`);
    if (!backup || sha256(backup) !== entry.before) {
      result.kept.push({ file, reason: "original not kept under .clawmend/originals: reinstall the package to restore it" });
      continue;
    }
    if (currentSha !== entry.after && !hasAnyMarker(current)) {
      result.kept.push({ file, reason: "changed since clawmend patched it (a reinstall?): left as it is" });
      continue;
    }
    writeFileAtomic(dir, file, backup, st.mode & 0o7777);
    result.restored.push(file);
  }
  for (const [asset, { sha256: sha }] of Object.entries(manifest?.added ?? {}).sort()) {
    unlinkInside(dir, `${asset}${TEMP_SUFFIX}`);
    const st = lstatInside(dir, asset);
    if (!st) continue;
    const bytes = st.isFile() ? readRegularInside(dir, asset) : null;
    if (bytes === null || sha256(bytes) !== sha) {
      result.kept.push({ file: asset, reason: bytes === null ? NOT_REGULAR : "changed since clawmend wrote it: left as it is" });
      continue;
    }
    unlinkInside(dir, asset);
    result.removed.push(asset);
  }
  // The state directory was checked to be a directory, not a link; rm removes links in it, never their targets.
  if (result.kept.length === 0) rmSync(join(dir, STATE_DIR), { recursive: true, force: true });
  return result;
}

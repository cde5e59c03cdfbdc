import { join } from "node:path";
import { isClawmendError } from "../core/errors.js";
import { MANIFEST_FILE, ORIGINALS_DIR, serializeManifest, withDigest } from "../verify/manifest.js";
import { commitFile, discardStaged, stageFile, type StagedFile } from "./atomic.js";
import type { CopyPlan } from "./plan-copy.js";

export class WriteError extends Error {
  override name = "WriteError";
}

/** Files staged for every copy of one run; nothing is visible until `commit`. */
export interface StagedRun {
  /** In commit order: per copy, the manifest first, then added modules, then patched files. */
  files: StagedFile[];
  digests: Map<string, string>;
}

/**
 * Stages everything a run writes, for all copies, before any of it becomes visible. Backups
 * of originals are written first (they live under .clawmend/, which nothing executes). Any
 * failure removes what was staged and throws: the tree is left as it was.
 */
export function stageRun(plans: readonly CopyPlan[]): StagedRun {
  const staged: StagedFile[] = [];
  const digests = new Map<string, string>();
  let current = "";
  try {
    for (const plan of plans) {
      for (const write of plan.writes) {
        current = join(plan.copy.dir, write.file);
        if (!write.added && (write.mode & 0o222) === 0) {
          throw new WriteError(
            `${current} is read-only (mode ${write.mode.toString(8).padStart(4, "0")}): make it writable (chmod u+w) or run as its owner`,
          );
        }
      }
    }
    for (const plan of plans) {
      const dir = plan.copy.dir;
      for (const write of plan.writes) {
        if (!write.backup) continue;
        current = join(dir, ORIGINALS_DIR, write.file);
        commitFile(stageFile(dir, `${ORIGINALS_DIR}/${write.file}`, write.backup, write.mode | 0o200));
      }
      if (plan.manifest) {
        const manifest = withDigest(plan.manifest);
        digests.set(dir, manifest.digest);
        current = join(dir, MANIFEST_FILE);
        staged.push(stageFile(dir, MANIFEST_FILE, serializeManifest(manifest), 0o644));
      } else if (plan.current) {
        digests.set(dir, plan.current.digest);
      }
      // Added files first: a patched file never becomes visible before the module it loads.
      for (const write of [...plan.writes.filter((w) => w.added), ...plan.writes.filter((w) => !w.added)]) {
        current = join(dir, write.file);
        staged.push(stageFile(dir, write.file, write.text, write.mode));
      }
    }
  } catch (error) {
    discardStaged(staged);
    if (error instanceof WriteError || isClawmendError(error)) throw error;
    const e = error as NodeJS.ErrnoException;
    throw new WriteError(
      `cannot write ${current}: ${e.code ?? e.message}${e.code === "EACCES" || e.code === "EPERM" || e.code === "EROFS" ? " (run as the owner of the tree)" : ""}`,
    );
  }
  return { files: staged, digests };
}

/** Makes every staged file visible, each one atomically. */
export function commitRun(run: StagedRun): void {
  try {
    for (const file of run.files) commitFile(file);
  } catch (error) {
    discardStaged(run.files);
    throw error;
  }
}

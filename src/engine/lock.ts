import lockfile from "proper-lockfile";
import { join } from "node:path";
import { expectDirectoryInside } from "../core/confine.js";
import { ClawmendError } from "../core/errors.js";
import { LOCK_NAME } from "../core/paths.js";

/**
 * Holds an exclusive lock on a tree while `work` runs. A second run waits for the first
 * (up to `waitMs`), then does its own work on what the first left.
 */
export async function withTreeLock<T>(root: string, work: () => Promise<T>, waitMs = 120_000): Promise<T> {
  // proper-lockfile would stat and touch whatever a link named like the lock points at.
  expectDirectoryInside(root, LOCK_NAME);
  let release: (() => Promise<void>) | undefined;
  try {
    release = await lockfile.lock(root, {
      lockfilePath: join(root, LOCK_NAME),
      realpath: false,
      // A run killed with SIGKILL leaves its lock behind: it counts as stale after 10 s.
      stale: 10_000,
      update: 2_000,
      // If a very long synchronous step ever lets the lock go stale, the overlapping run is
      // still safe: every write is an atomic rename of deterministic, idempotent output.
      onCompromised: () => {},
      retries: { retries: Math.ceil(waitMs / 250), factor: 1, minTimeout: 250, maxTimeout: 250 },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOCKED") {
      throw ClawmendError.usage(
        `another clawmend run holds ${join(root, LOCK_NAME)} for more than ${waitMs / 1000}s; try again when it ends`,
      );
    }
    if (code === "EACCES" || code === "EROFS" || code === "EPERM") {
      throw ClawmendError.cannotApply(`cannot write to ${root} (${code}): run as the owner of the tree; nothing was changed`);
    }
    throw error;
  }
  try {
    return await work();
  } finally {
    await release().catch(() => {});
  }
}

import { spawnSync } from "node:child_process";
import satisfies from "semver/functions/satisfies.js";
import validRange from "semver/ranges/valid.js";

/** A Node binary and the version it reports. */
export interface NodeRuntime {
  path: string;
  version: string | null;
  /** Why the version could not be read (not found, not executable, not Node). */
  error?: string;
}

/** Runs `NODE --version` (a few ms): the version of the Node that will really run the runtime. */
export function nodeRuntime(path: string): NodeRuntime {
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (r.error) return { path, version: null, error: (r.error as NodeJS.ErrnoException).code ?? r.error.message };
  const version = /^v(\d+\.\d+\.\d+\S*)\s*$/.exec(r.stdout)?.[1];
  return version
    ? { path, version }
    : { path, version: null, error: `${path} --version printed ${JSON.stringify(r.stdout.trim().slice(0, 40))}` };
}

/**
 * Why `node` cannot run a package whose `engines.node` is `range`, in one line naming the version
 * found and the one needed; null when it can (or nothing is required).
 */
export function engineMismatch(node: NodeRuntime, range: string | undefined, what: string): string | null {
  if (!range || validRange(range) === null) return null;
  if (node.version === null) return `cannot tell which Node ${node.path} is (${node.error}); ${what} needs node ${range}`;
  if (satisfies(node.version, range, { includePrerelease: true })) return null;
  return `${node.path} is Node v${node.version}, but ${what} needs node ${range}`;
}

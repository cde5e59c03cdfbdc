import { resolve } from "node:path";
import { statSync } from "node:fs";
import { ClawmendError } from "../core/errors.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import { joinRel } from "../core/paths.js";
import { isSourceTransform, type PatchSpec } from "../core/spec.js";
import { TOOL_VERSION } from "../core/version.js";
import { findPackageCopies } from "../discover/packages.js";
import { decideNotWritten, runExitCode, type Mode } from "../verify/decide.js";
import type { Manifest, ManifestSpec } from "../verify/manifest.js";
import type { RunReport } from "../verify/report.js";
import { CANNOT_APPLY, STATUSES, type PatchResult, type Status } from "../verify/status.js";
import { planCopy, type CopyPlan } from "./plan-copy.js";
import { commitRun, stageRun, WriteError } from "./write.js";

/** What a run needs of its config: the patches, and where they came from (recorded in each manifest). */
export interface RunConfig {
  file: string | null;
  digest: string | null;
  patches: readonly PatchSpec[];
}

export interface RunOptions {
  root: string;
  config: RunConfig;
  mode: Mode;
  only?: readonly string[];
  skip?: readonly string[];
  /** Called as each package copy is planned. */
  onProgress?: (done: number, total: number, copy: string) => void;
}

/**
 * The specs of a run. `--only` picks patches by id; ledger patches (which keep a package's own
 * inventories true to the other patches' edits) run whenever their package is patched, unless
 * `--skip` names them.
 */
export function selectSpecs(all: readonly PatchSpec[], only: readonly string[] = [], skip: readonly string[] = []): PatchSpec[] {
  const known = new Set(all.map((s) => s.id));
  for (const id of [...only, ...skip]) {
    if (!known.has(id)) throw ClawmendError.usage(`unknown patch id "${id}" (known: ${[...known].join(", ")})`);
  }
  const picked = (s: PatchSpec) => only.length === 0 || only.includes(s.id) || !isSourceTransform(s.transform);
  return all.filter((s) => picked(s) && !skip.includes(s.id));
}

/** What a manifest records of a spec: its version and a digest of its options. */
export function specRecord(spec: PatchSpec): ManifestSpec {
  return { version: spec.version, options: sha256(canonicalJson(spec.options ?? null)) };
}

/** Patches, verifies or dry-runs every copy of every target package under `root`. */
export async function runPatches(options: RunOptions): Promise<RunReport> {
  const root = resolve(options.root);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw ClawmendError.usage(`root not found: ${root} (pass --root DIR: a project or an installed openclaw package)`);
  }
  const selected = selectSpecs(options.config.patches, options.only, options.skip);
  // A run that finds nothing to write (the steady state: a repeated patch, a postinstall) needs
  // no lock: a first pass without it stops at the first file that needs planning (before any
  // parse), and only a run that would write takes the lock (proper-lockfile and graceful-fs load
  // with it) and plans under it, on what any other run left.
  if (options.mode !== "patch") return planAndWrite(root, selected, options, false);
  try {
    return await planAndWrite(root, selected, options, true);
  } catch (error) {
    if (!(error instanceof NeedsLock)) throw error;
  }
  const { withTreeLock } = await import("./lock.js");
  return withTreeLock(root, () => planAndWrite(root, selected, options, false));
}

/** Thrown by a patch run's first pass, without the lock, where it would plan a file or write. */
class NeedsLock extends Error {}
function needsLock(): never {
  throw new NeedsLock("planning and writing need the tree lock");
}

/** The run's report. A patch run's `firstPass`, without the lock, throws `NeedsLock` where it would plan a file or write. */
async function planAndWrite(root: string, selected: PatchSpec[], options: RunOptions, firstPass: boolean): Promise<RunReport> {
  const names = new Set(selected.flatMap((s) => s.targets.flatMap((t) => [t.package, ...(t.aliases ?? [])])));
  const copies = findPackageCopies(root, names);
  const records = new Map(options.config.patches.map((s) => [s.id, specRecord(s)]));
  const plans: CopyPlan[] = [];
  for (const [index, copy] of copies.entries()) {
    plans.push(
      await planCopy({
        copy,
        selected,
        all: options.config.patches,
        records,
        toolVersion: TOOL_VERSION,
        config: recordedConfig(options.config),
        mode: options.mode,
        ...(firstPass ? { beforePlanning: needsLock } : {}),
      }),
    );
    options.onProgress?.(index + 1, copies.length, copy.relDir);
  }

  const failing = plans.flatMap((p) =>
    p.results
      .filter((r) => r.required && CANNOT_APPLY.has(r.status))
      .map((r) => `${r.patch} on ${p.copy.name}@${p.copy.version} (${p.copy.relDir}): ${r.status}${r.message ? `: ${r.message}` : ""}`),
  );
  let refused: string | undefined;
  const digests = new Map<string, string>();
  for (const plan of plans) if (plan.current) digests.set(plan.copy.dir, plan.current.digest);

  if (failing.length > 0) {
    refused = `a required patch cannot be applied, nothing was written: ${failing[0]}`;
  } else if (options.mode === "patch") {
    // Optional patches that cannot be applied are reported; their edits are not written.
    const writable = await Promise.all(plans.map((p) => withoutFailedOptional(p, selected, records, options)));
    if (firstPass && writable.some((p) => p.writes.length > 0 || p.manifest !== null)) needsLock();
    try {
      const staged = stageRun(writable);
      commitRun(staged);
      for (const [dir, digest] of staged.digests) digests.set(dir, digest);
    } catch (error) {
      if (!(error instanceof WriteError)) throw error;
      refused = `${error.message}; nothing was changed`;
    }
  } else if (options.mode === "verify" && copies.length === 0) {
    refused = `no ${[...names].sort().join(" or ")} package under ${root}: nothing to verify (check --root)`;
  }

  // A refused run wrote nothing: what it would have applied is still unpatched.
  const results = (plan: CopyPlan): PatchResult[] => (refused && options.mode === "patch" ? plan.results.map(notWritten) : plan.results);
  const summary = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const plan of plans) for (const r of results(plan)) summary[r.status] += 1;
  const exitCode = runExitCode({
    mode: options.mode,
    results: plans.flatMap(results),
    writeFailed: refused !== undefined && failing.length === 0 && options.mode === "patch",
    foundNothing: copies.length === 0,
    copyProblems: plans.some((p) => p.problems.length > 0),
  });
  return {
    tool: { name: "clawmend", version: TOOL_VERSION },
    mode: options.mode,
    root,
    config: options.config.file,
    patches: selected.map((s) => ({ id: s.id, version: s.version, required: s.required ?? true })),
    packages: [...names].sort(),
    copies: plans.map((p) => ({
      package: p.copy.name,
      version: p.copy.version,
      dir: p.copy.relDir,
      digest: digests.get(p.copy.dir) ?? null,
      patches: results(p),
      problems: p.problems,
    })),
    summary,
    ...(refused ? { refused } : {}),
    exitCode,
    changes:
      refused && options.mode === "patch"
        ? []
        : plans.flatMap((p) => p.writes.map((w) => ({ path: joinRel(p.copy.relDir, w.file), before: w.previous, after: w.text }))),
  };
}

function recordedConfig(config: RunConfig): Manifest["config"] {
  return { file: config.file, digest: config.digest };
}

/** A result of a refused run: what it would have applied, and each file it would have written, as not written. */
function notWritten(result: PatchResult): PatchResult {
  const decision = decideNotWritten(result.status);
  if (decision === null) return result;
  return {
    ...result,
    ...decision,
    files: result.files.map((file) => {
      const fileDecision = decideNotWritten(file.status);
      return fileDecision ? { ...file, ...fileDecision } : file;
    }),
  };
}

async function withoutFailedOptional(
  plan: CopyPlan,
  selected: readonly PatchSpec[],
  records: ReadonlyMap<string, ManifestSpec>,
  options: RunOptions,
): Promise<CopyPlan> {
  const failed = new Set(plan.results.filter((r) => !r.required && CANNOT_APPLY.has(r.status)).map((r) => r.patch));
  if (failed.size === 0) return plan;
  const replanned = await planCopy({
    copy: plan.copy,
    selected: selected.filter((s) => !failed.has(s.id)),
    all: options.config.patches,
    records,
    toolVersion: TOOL_VERSION,
    config: recordedConfig(options.config),
    mode: options.mode,
  });
  return { ...replanned, results: plan.results };
}

import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { findPackageCopies } from "../discover/packages.js";
import { UsageError } from "../errors.js";
import type { PatchSpec } from "../patches/spec.js";
import { canonicalJson, sha256 } from "../verify/hash.js";
import { CANNOT_APPLY, NOT_VERIFIED, STATUSES, type PatchResult, type Status } from "../verify/status.js";
import { withTreeLock } from "./lock.js";
import { planCopy, type CopyPlan, type Mode } from "./plan-copy.js";
import { commitRun, stageRun, WriteError } from "./write.js";
import { TOOL_VERSION } from "../version.js";

export interface RunOptions {
  root: string;
  config: ResolvedConfig;
  mode: Mode;
  only?: string[];
  skip?: string[];
  /** Called as each package copy is planned. */
  onProgress?: (done: number, total: number, copy: string) => void;
}

export interface CopyReport {
  package: string;
  version: string;
  dir: string;
  /** The manifest digest after this run (null when clawpatch keeps nothing there). */
  digest: string | null;
  patches: PatchResult[];
}

export interface RunReport {
  tool: { name: "clawpatch"; version: string };
  mode: Mode;
  root: string;
  config: string | null;
  patches: Array<{ id: string; version: number; required: boolean }>;
  /** Package names looked for. */
  packages: string[];
  copies: CopyReport[];
  summary: Record<Status, number>;
  /** Why the run wrote nothing, when it refused to. */
  refused?: string;
  exitCode: 0 | 1 | 3;
  /** Per changed file; `before` is the text before the run under --dry-run only (else empty). */
  changes: Array<{ path: string; before: string | null; after: string }>;
}

/** Chooses the specs of a run from `--only` / `--skip`. */
export function selectSpecs(all: readonly PatchSpec[], only: string[] = [], skip: string[] = []): PatchSpec[] {
  const known = new Set(all.map((s) => s.id));
  for (const id of [...only, ...skip]) {
    if (!known.has(id)) throw new UsageError(`unknown patch id "${id}" (known: ${[...known].join(", ")})`);
  }
  return all.filter((s) => (only.length === 0 || only.includes(s.id)) && !skip.includes(s.id));
}

export function settingsDigest(config: ResolvedConfig): string {
  return sha256(canonicalJson({ vllm: config.vllm }));
}

export async function runPatches(options: RunOptions): Promise<RunReport> {
  const root = resolve(options.root);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UsageError(`root not found: ${root} (pass --root DIR: a project or an installed openclaw package)`);
  }
  const selected = selectSpecs(options.config.patches, options.only, options.skip);
  const work = () => planAndWrite(root, selected, options);
  return options.mode === "patch" ? withTreeLock(root, work) : work();
}

async function planAndWrite(root: string, selected: PatchSpec[], options: RunOptions): Promise<RunReport> {
  const names = new Set(selected.flatMap((s) => s.targets.flatMap((t) => [t.package, ...(t.aliases ?? [])])));
  const copies = findPackageCopies(root, names);
  const settings = { vllm: options.config.vllm };
  const digest = settingsDigest(options.config);
  const plans: CopyPlan[] = [];
  for (const [index, copy] of copies.entries()) {
    const plan = await planCopy({
      copy,
      selected,
      all: options.config.patches,
      settings,
      settingsDigest: digest,
      toolVersion: TOOL_VERSION,
      mode: options.mode,
    });
    options.onProgress?.(index + 1, copies.length, copy.relDir);
    plans.push(plan);
  }

  const failing = plans.flatMap((p) => p.results.filter((r) => r.required && CANNOT_APPLY.has(r.status)).map((r) => `${r.patch} on ${p.copy.name}@${p.copy.version} (${p.copy.relDir}): ${r.status}${r.message ? `: ${r.message}` : ""}`));
  let refused: string | undefined;
  let exitCode: RunReport["exitCode"] = 0;
  const digests = new Map<string, string>();
  for (const plan of plans) if (plan.current) digests.set(plan.copy.dir, plan.current.digest);

  if (failing.length > 0) {
    exitCode = 3;
    refused = `a required patch cannot be applied, nothing was written: ${failing[0]}`;
  } else if (options.mode === "patch") {
    // Optional patches that cannot be applied are reported; their edits are not written.
    const writable = await Promise.all(plans.map((p) => withoutFailedOptional(p, options, selected, settings, digest)));
    try {
      const staged = stageRun(writable);
      commitRun(staged);
      for (const [dir, d] of staged.digests) digests.set(dir, d);
    } catch (error) {
      if (!(error instanceof WriteError)) throw error;
      exitCode = 3;
      refused = `${error.message}; nothing was changed`;
    }
  } else if (options.mode === "verify") {
    const bad = plans.some((p) => p.results.some((r) => r.required && NOT_VERIFIED.has(r.status)));
    if (bad) exitCode = 1;
  }

  const summary = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const plan of plans) for (const r of plan.results) summary[r.status] += 1;
  return {
    tool: { name: "clawpatch", version: TOOL_VERSION },
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
      patches: p.results,
    })),
    summary,
    ...(refused ? { refused } : {}),
    exitCode,
    changes: plans.flatMap((p) => [
      ...p.writes.map((w) => ({ path: joinRel(p.copy.relDir, w.file), before: w.previous, after: w.text })),
      ...p.assets.map((a) => ({ path: joinRel(p.copy.relDir, a.path), before: a.previous, after: a.content })),
    ]),
  };
}

async function withoutFailedOptional(plan: CopyPlan, options: RunOptions, selected: PatchSpec[], settings: { vllm: ResolvedConfig["vllm"] }, digest: string): Promise<CopyPlan> {
  const failed = new Set(plan.results.filter((r) => !r.required && CANNOT_APPLY.has(r.status)).map((r) => r.patch));
  if (failed.size === 0) return plan;
  const replanned = await planCopy({
    copy: plan.copy,
    selected: selected.filter((s) => !failed.has(s.id)),
    all: options.config.patches,
    settings,
    settingsDigest: digest,
    toolVersion: TOOL_VERSION,
    mode: options.mode,
  });
  return { ...replanned, results: plan.results };
}

function joinRel(dir: string, file: string): string {
  return dir === "." ? file : `${dir}/${file}`;
}

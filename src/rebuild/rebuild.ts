import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, mkdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { ClawmendError, systemFailure } from "../core/errors.js";
import { LOCK_NAME, STATE_DIR, TEMP_SUFFIX } from "../core/paths.js";
import { TOOL_VERSION } from "../core/version.js";
import { runPatches, type RunConfig, type RunOptions } from "../engine/run.js";
import type { RunReport } from "../verify/report.js";
import { rebuildDigest, treeDigest } from "./digest.js";
import { hashTree, isInside, mirrorTree, settleTree, type MirrorResult } from "./mirror.js";
import { inputsDigest, readRecord, writeRecord } from "./record.js";
import { collect, currentStore, fsyncDir, pointAt, recover, rmTree, storeName, tempName, withRebuildLock, type Recovery } from "./swap.js";

/** `check`: an unchanged rebuild reads the source and the existing build, and copies nothing. */
export type RebuildPhase = "check" | "copy" | "patch" | "verify" | "swap";

export interface RebuildOptions {
  src: string;
  dest: string;
  config: RunConfig;
  only?: string[];
  skip?: string[];
  onProgress?: (phase: RebuildPhase, done: number, total: number, bytes?: number) => void;
  /** Parallel copy workers (default: by cores). */
  workers?: number;
}

export interface RebuildReport {
  tool: { name: "clawmend"; version: string };
  src: string;
  dest: string;
  /** The content-addressed directory DEST points at (null when the rebuild was refused). */
  target: string | null;
  digest: string | null;
  /** DEST already pointed at an intact build with this digest: nothing was swapped. */
  unchanged: boolean;
  /**
   * Whether SRC was copied and patched. False when the record of the build DEST points at
   * matched what this run would build (the same source bytes, config and clawmend; see
   * record.ts): the source and the build were read and hashed, the build verified, and nothing
   * was written.
   */
  copied: boolean;
  /** What DEST pointed at before (kept for running processes and rollback). */
  previous: string | null;
  files: number;
  bytes: number;
  /** How the build's file data was copied (on an unchanged rebuild that copied nothing: when it was built). */
  method: "reflink" | "copy";
  /** `check`: reading and hashing the source and an existing build to decide that nothing needs copying. */
  ms: { check: number; copy: number; patch: number; verify: number; swap: number; total: number };
  links: { rewritten: string[]; external: Array<{ path: string; target: string }> };
  skippedSpecial: string[];
  /** Older builds and leftovers of killed runs that were removed. */
  removed: string[];
  /** A DEST that was a real directory, moved aside and kept. */
  replaced: string | null;
  /** A DEST restored after a run was killed mid-migration. */
  restored: string | null;
  patch: Omit<RunReport, "changes">;
  refused?: string;
  exitCode: 0 | 3;
}

interface PackageJson {
  name?: unknown;
  version?: unknown;
}

function readPackageJson(dir: string): PackageJson | null {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
  } catch {
    return null;
  }
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
function realish(path: string): string {
  const rest: string[] = [];
  let cur = path;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return path;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

export interface CheckedPaths {
  /** SRC as given (absolute). */
  src: string;
  /** SRC with every symlink resolved: the tree that is read. */
  realSrc: string;
  dest: string;
}

/** Every check that can refuse a rebuild, before anything is written. */
export function checkPaths(srcArg: string, destArg: string): CheckedPaths {
  const src = resolve(srcArg);
  const dest = resolve(destArg);
  if (!existsSync(src)) throw ClawmendError.usage(`--from ${src}: not found`);
  if (!statSync(src).isDirectory())
    throw ClawmendError.usage(`--from ${src}: not a directory (pass the openclaw package directory, e.g. /usr/lib/node_modules/openclaw)`);
  const realSrc = realpathSync(src);
  const pkg = readPackageJson(realSrc);
  if (!pkg) throw ClawmendError.usage(`--from ${src}: not an openclaw package (no readable package.json)`);
  if (pkg.name !== "openclaw") {
    throw ClawmendError.usage(`--from ${src}: not an openclaw package (package.json name is ${JSON.stringify(pkg.name ?? null)})`);
  }
  const destReal = realish(dest);
  for (const [d, s] of [
    [dest, src],
    [destReal, realSrc],
    [dest, realSrc],
    [destReal, src],
  ] as const) {
    if (d === s) throw ClawmendError.usage(`--to ${dest} is the same directory as --from ${src}`);
    if (isInside(d, s)) throw ClawmendError.usage(`--to ${dest} is inside --from ${src}: the source is never written to`);
    if (isInside(s, d)) throw ClawmendError.usage(`--from ${src} is inside --to ${dest}: the rebuild would replace its own source`);
  }
  const st = lstatOrNull(dest);
  if (st?.isSymbolicLink()) {
    let target: string | null = null;
    try {
      target = realpathSync(dest);
    } catch {
      target = null; // dangling: replaced like any link
    }
    if (target && (isInside(target, realSrc) || isInside(realSrc, target))) {
      throw ClawmendError.usage(`--to ${dest} is a link into --from ${src}: remove the link or choose another --to`);
    }
  } else if (st?.isDirectory()) {
    const destPkg = readPackageJson(dest);
    if (destPkg?.name !== "openclaw") {
      throw ClawmendError.usage(`--to ${dest} exists and is not an openclaw runtime: refusing to replace it (choose a new path)`);
    }
  } else if (st) {
    throw ClawmendError.usage(`--to ${dest} exists and is not a directory`);
  }
  return { src, realSrc, dest };
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** Runtime debris in SRC that is not package content. */
function skipDebris(rel: string, name: string): boolean {
  return rel === LOCK_NAME || name.endsWith(TEMP_SUFFIX) || name.startsWith(".clawmend-reflink-probe-");
}

/** Every file and directory under `dir` (relative to `root`), for what clawmend wrote there. */
function listUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const abs = join(root, dir);
  if (!existsSync(abs)) return out;
  out.push(dir);
  for (const name of readdirSync(abs)) {
    const rel = `${dir}/${name}`;
    if (lstatSync(join(root, rel)).isDirectory()) out.push(...listUnder(root, rel));
    else out.push(rel);
  }
  return out;
}

function withoutChanges(report: RunReport): Omit<RunReport, "changes"> {
  const { changes: _changes, ...rest } = report;
  return rest;
}

/**
 * Mirrors SRC into a temporary sibling of DEST, patches it, proves the patches landed,
 * and swaps it in atomically (see swap.ts). Never writes under SRC. What fails throws a
 * ClawmendError (a failed system call included), never a stack.
 */
export async function rebuild(options: RebuildOptions): Promise<RebuildReport> {
  try {
    return await rebuildOnce(options);
  } catch (error) {
    throw systemFailure(error, (message) => `cannot rebuild ${resolve(options.dest)}: ${message}`);
  }
}

async function rebuildOnce(options: RebuildOptions): Promise<RebuildReport> {
  const started = Date.now();
  const { src, realSrc, dest } = checkPaths(options.src, options.dest);
  const parent = dirname(dest);
  mkdirSync(parent, { recursive: true });
  const inputs = inputsDigest(options.config, options.only, options.skip);
  return withRebuildLock(dest, async () => {
    const recovery = recover(dest);
    const previous = currentStore(dest);
    const ms = { check: 0, copy: 0, patch: 0, verify: 0, swap: 0, total: 0 };
    const aliases = src === realSrc ? [] : [src];
    if (previous) {
      const reused = await reuseBuild({ options, src, realSrc, aliases, dest, previous, inputs, recovery, ms, started });
      if (reused) return reused;
    }
    const rootStat = statSync(realSrc, { bigint: true });
    const fixedNs = statSync(join(realSrc, "package.json"), { bigint: true }).mtimeNs;
    const tmp = join(parent, tempName(dest, "tmp"));
    let kept = false;
    try {
      let t = Date.now();
      const mirror: MirrorResult = await mirrorTree(realSrc, tmp, aliases, {
        skip: skipDebris,
        ...(options.workers ? { workers: options.workers } : {}),
        ...(options.onProgress
          ? { onProgress: (n: number, total: number, bytes: number) => options.onProgress!("copy", n, total, bytes) }
          : {}),
      });
      ms.copy = Date.now() - t;
      // The source as this build read it, before clawmend writes into the copy (recorded below).
      const source = treeDigest(mirror.entries);

      t = Date.now();
      const report = await runPatches({
        ...runOn(tmp, "patch", options),
        ...(options.onProgress ? { onProgress: (n: number, total: number) => options.onProgress!("patch", n, total) } : {}),
      });
      ms.patch = Date.now() - t;
      const base = {
        tool: { name: "clawmend" as const, version: TOOL_VERSION },
        src,
        dest,
        previous: previous ? join(parent, previous) : null,
        copied: true,
        files: mirror.files,
        bytes: mirror.bytes,
        method: mirror.method,
        links: { rewritten: mirror.rewrittenLinks, external: mirror.externalLinks },
        skippedSpecial: mirror.skippedSpecial,
        restored: recovery.restored,
      };
      if (report.exitCode !== 0) {
        ms.total = Date.now() - started;
        return {
          ...base,
          target: null,
          digest: null,
          unchanged: false,
          ms,
          removed: recovery.removed,
          replaced: null,
          patch: withoutChanges(report),
          refused: `${report.refused ?? "a required patch cannot be applied"}; ${dest} was left as it was`,
          exitCode: 3,
        };
      }

      // What clawmend wrote: patched files, added modules, each copy's state directory.
      const written = new Set<string>(report.changes.map((c) => c.path));
      for (const copy of report.copies) {
        const state = copy.dir === "." ? STATE_DIR : `${copy.dir}/${STATE_DIR}`;
        for (const rel of listUnder(tmp, state)) written.add(rel);
      }
      settleTree(tmp, mirror, [...written].sort(), { mode: Number(rootStat.mode) & 0o7777, mtimeNs: rootStat.mtimeNs }, fixedNs);

      // Proof, read-only: every spec reports applied/already-applied on the finished tree.
      t = Date.now();
      const verify = await runPatches(runOn(tmp, "verify", options));
      ms.verify = Date.now() - t;
      if (verify.exitCode !== 0) {
        throw ClawmendError.cannotApply(
          `the rebuilt tree does not verify (${verify.summary.unpatched} unpatched, ${verify.summary.drifted} drifted); ${dest} was left as it was`,
        );
      }

      const copies: Record<string, string | null> = {};
      for (const copy of report.copies) copies[copy.dir] = copy.digest;
      const tree = treeDigest(mirror.entries);
      const digest = rebuildDigest({ tree, copies, toolVersion: TOOL_VERSION });

      const store = storeName(dest, digest);
      const storePath = join(parent, store);
      let unchanged = false;
      if (existsSync(storePath)) {
        // Same digest built before (or a run was killed between its two renames): reuse it
        // only if it still holds exactly these bytes.
        t = Date.now();
        const existing = await hashTree(storePath, [], {
          links: "verbatim",
          ...(options.workers ? { workers: options.workers } : {}),
        }).catch(() => null);
        ms.check += Date.now() - t;
        t = Date.now();
        if (existing && treeDigest(existing.entries) === tree) {
          rmTree(tmp);
          unchanged = previous === store;
        } else {
          const stale = join(parent, tempName(dest, "stale"));
          renameSync(storePath, stale);
          renameSync(tmp, storePath);
          rmTree(stale);
        }
      } else {
        t = Date.now();
        renameSync(tmp, storePath);
      }
      kept = true;
      fsyncDir(parent);
      const { replaced } = unchanged ? { replaced: null } : pointAt(dest, store);
      try {
        writeRecord(dest, { format: 1, store, digest, tree, inputs, source, method: mirror.method });
      } catch {
        // without it the next rebuild copies again; DEST is already in place
      }
      const removed = [...recovery.removed, ...collect(dest, [store, previous])];
      ms.swap = Date.now() - t;
      ms.total = Date.now() - started;
      options.onProgress?.("swap", 1, 1);
      return {
        ...base,
        target: storePath,
        digest,
        unchanged,
        ms,
        removed,
        replaced,
        patch: withoutChanges(report),
        exitCode: 0,
      };
    } finally {
      if (!kept) rmTree(tmp);
    }
  });
}

interface ReuseContext {
  options: RebuildOptions;
  src: string;
  realSrc: string;
  aliases: string[];
  dest: string;
  /** The build DEST points at. */
  previous: string;
  inputs: string;
  recovery: Recovery;
  ms: RebuildReport["ms"];
  started: number;
}

/**
 * The unchanged rebuild, without a copy: when the record of the build DEST points at was made
 * with these inputs, SRC hashes (every byte, read again) to the source it recorded, the build
 * still hashes to the tree it recorded, and it verifies with this config, the build this run
 * would make is that one. Returns its report, or null for a full rebuild (anything differs).
 */
async function reuseBuild(ctx: ReuseContext): Promise<RebuildReport | null> {
  const { options, dest, previous } = ctx;
  const record = readRecord(dest);
  if (!record || record.store !== previous || record.inputs !== ctx.inputs) return null;
  const parent = dirname(dest);
  const storePath = join(parent, previous);
  const workers = options.workers ? { workers: options.workers } : {};
  const progress = (offset: number) =>
    options.onProgress
      ? { onProgress: (n: number, total: number, bytes: number) => options.onProgress!("check", offset + n, offset + total, bytes) }
      : {};

  let t = Date.now();
  const source = await hashTree(ctx.realSrc, ctx.aliases, { skip: skipDebris, links: "mirror", ...workers, ...progress(0) });
  const sameSource = treeDigest(source.entries) === record.source;
  const built = sameSource
    ? await hashTree(storePath, [], { links: "verbatim", ...workers, ...progress(source.files) }).catch(() => null)
    : null;
  ctx.ms.check = Date.now() - t;
  if (!built || treeDigest(built.entries) !== record.tree) return null;

  t = Date.now();
  const verify = await runPatches(runOn(storePath, "verify", options));
  ctx.ms.verify = Date.now() - t;
  if (verify.exitCode !== 0) return null;
  const copies: Record<string, string | null> = {};
  for (const copy of verify.copies) copies[copy.dir] = copy.digest;
  const digest = rebuildDigest({ tree: record.tree, copies, toolVersion: TOOL_VERSION });
  if (digest !== record.digest) return null;

  t = Date.now();
  const removed = [...ctx.recovery.removed, ...collect(dest, [previous])];
  ctx.ms.swap = Date.now() - t;
  ctx.ms.total = Date.now() - ctx.started;
  options.onProgress?.("swap", 1, 1);
  return {
    tool: { name: "clawmend", version: TOOL_VERSION },
    src: ctx.src,
    dest,
    target: storePath,
    digest,
    unchanged: true,
    copied: false,
    previous: storePath,
    files: source.files,
    bytes: source.bytes,
    method: record.method,
    ms: ctx.ms,
    links: { rewritten: source.rewrittenLinks, external: source.externalLinks },
    skippedSpecial: source.skippedSpecial,
    removed,
    replaced: null,
    restored: ctx.recovery.restored,
    patch: withoutChanges(verify),
    exitCode: 0,
  };
}

/** The engine run of a rebuild's patches on `root`: its config and `--only`/`--skip`. */
function runOn(root: string, mode: "patch" | "verify", options: RebuildOptions): RunOptions {
  return {
    root,
    config: options.config,
    mode,
    ...(options.only ? { only: options.only } : {}),
    ...(options.skip ? { skip: options.skip } : {}),
  };
}

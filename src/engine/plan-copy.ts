import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { webcrypto } from "node:crypto";
import { join } from "node:path";
import satisfies from "semver/functions/satisfies.js";
import { moduleFormat, selectFiles } from "../discover/files.js";
import type { PackageCopy } from "../discover/packages.js";
import type { PatchSpec, PatchTarget } from "../patches/spec.js";
import { hasAnyMarker, planFile, type FilePlan } from "../transforms/plan.js";
import type { Asset, ResolvedSettings } from "../transforms/types.js";
import { canonicalJson, sha256 } from "../verify/hash.js";
import { ORIGINALS_DIR, readManifest, type Manifest, type ManifestFile, type RecordedSite } from "../verify/manifest.js";
import { aggregate, type FileResult, type PatchResult, type Status } from "../verify/status.js";

export type Mode = "patch" | "verify" | "dry-run";

/** A spec that applies to this copy, with the target that selected it. */
interface Applicable {
  spec: PatchSpec;
  target: PatchTarget;
  files: string[];
}

/** A file whose bytes this run changes. */
export interface FileWrite {
  file: string;
  /** Text to write. */
  text: string;
  /** Original bytes to keep under .clawpatch/originals (absent when already kept). */
  backup?: Buffer;
  mode: number;
  /** Text before this run, for --dry-run diffs (empty in other modes: a 50 MB bundle is not kept twice). */
  previous: string;
}

export interface CopyPlan {
  copy: PackageCopy;
  results: PatchResult[];
  writes: FileWrite[];
  assets: Array<Asset & { previous: string | null }>;
  /** The manifest to write, or null when nothing about the copy changes. */
  manifest: Omit<Manifest, "digest"> | null;
  /** The manifest now on disk (its digest is the copy's digest when nothing changes). */
  current: Manifest | null;
}

export interface PlanCopyOptions {
  copy: PackageCopy;
  /** Specs selected for this run. */
  selected: readonly PatchSpec[];
  /** Every spec of the config (a refresh from the original re-applies those already there). */
  all: readonly PatchSpec[];
  settings: ResolvedSettings;
  settingsDigest: string;
  toolVersion: string;
  mode: Mode;
}

interface FileState {
  file: string;
  bytes: Buffer;
  sha: string;
  text: string;
  mode: number;
}

/** Plans one package copy: reads its files, runs the specs, decides every status. Writes nothing. */
export async function planCopy(options: PlanCopyOptions): Promise<CopyPlan> {
  const { copy, mode } = options;
  const current = readManifest(copy.dir);
  const applicable: Applicable[] = [];
  const results: PatchResult[] = [];
  for (const spec of options.selected) {
    const named = spec.targets.filter((t) => [t.package, ...(t.aliases ?? [])].includes(copy.name));
    if (named.length === 0) continue;
    // A spec may target one package several times, one target per range of versions.
    const target = named.find((t) => !t.range || satisfies(copy.version, t.range, { includePrerelease: true }));
    if (!target) {
      const ranges = named.map((t) => t.range).join(" or ");
      results.push(resultFor(spec, { status: "not-applicable", siteCount: 0, message: `version ${copy.version} is outside ${ranges}` }, []));
      continue;
    }
    applicable.push({ spec, target, files: selectFiles(copy, target) });
  }

  const specsByFile = new Map<string, PatchSpec[]>();
  for (const { spec, files } of applicable) {
    for (const file of files) {
      const list = specsByFile.get(file) ?? [];
      list.push(spec);
      specsByFile.set(file, list);
    }
  }

  const fileResults = new Map<string, FileResult[]>(applicable.map((a) => [a.spec.id, []]));
  const writes: FileWrite[] = [];
  const assetsBySpec = new Map<string, Asset[]>();
  const newEntries: Record<string, ManifestFile> = {};
  const fresh = (specs: readonly PatchSpec[], entry: ManifestFile | undefined): boolean =>
    current !== null &&
    entry !== undefined &&
    current.tool.version === options.toolVersion &&
    current.settings === options.settingsDigest &&
    specs.every((s) => current.specs[s.id] === s.version && entry.checked.includes(s.id));

  // Pass 1: read every selected file once and prefilter it; hash each hit on the thread pool
  // (webcrypto), so hashing the big hits overlaps reading the rest.
  interface Hit {
    file: string;
    fileSpecs: PatchSpec[];
    candidates: PatchSpec[];
    bytes: Buffer;
    sha: Promise<string>;
  }
  const hits: Hit[] = [];
  let lastYield = Date.now();
  const yieldNow = async () => {
    if (Date.now() - lastYield > 50) {
      // Let timers run (the tree lock refreshes itself) during long planning.
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
  };
  for (const [file, fileSpecs] of [...specsByFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await yieldNow();
    // Most selected files fail the prefilter: read them into one reused buffer and copy out
    // only the hits (no allocation, no garbage per file).
    const scanned = readInto(join(copy.dir, file));
    const candidates = fileSpecs.filter((spec) => mayHoldSite(spec, scanned));
    if (candidates.length === 0) continue;
    const bytes = Buffer.from(scanned);
    hits.push({ file, fileSpecs, candidates, bytes, sha: sha256Async(bytes) });
  }

  // Pass 2: plan the hits in path order.
  for (const { file, fileSpecs, candidates, bytes, sha: pendingSha } of hits) {
    await yieldNow();
    const path = join(copy.dir, file);
    const sha = await pendingSha;
    let text: string | undefined;
    let fileMode: number | undefined;
    // Decoded and stat'ed only when the file is planned: the steady state needs the hash alone.
    const state: FileState = {
      file,
      bytes,
      sha,
      get text() {
        return (text ??= bytes.toString("utf8"));
      },
      get mode() {
        return (fileMode ??= statSync(path).mode & 0o7777);
      },
    };
    const entry = current?.files[file];
    const report = (spec: PatchSpec, status: Status, sites: RecordedSite[], message?: string) =>
      fileResults.get(spec.id)!.push({ file, status, sites, ...(message ? { message } : {}) });

    // Steady state: the bytes are what clawpatch recorded with these specs and settings.
    if (entry && state.sha === entry.after && fresh(candidates, entry)) {
      for (const spec of candidates) {
        const sites = entry.sites[spec.id] ?? [];
        if (sites.length) report(spec, "already-applied", sites);
      }
      newEntries[file] = entry;
      continue;
    }

    const marked = hasAnyMarker(state.text);
    const backup = entry ? readBackup(copy.dir, file, entry.before) : null;
    const changedSincePatch = entry !== undefined && marked && state.sha !== entry.after && state.sha !== entry.before;
    const patchedWithOtherSettings = entry !== undefined && marked && state.sha === entry.after;

    if (mode === "verify" && (changedSincePatch || patchedWithOtherSettings)) {
      const message = changedSincePatch
        ? "changed since clawpatch patched it: run clawpatch patch to re-apply from the original"
        : "patched with other settings or patch versions: run clawpatch patch";
      for (const spec of candidates) report(spec, "drifted", entry!.sites[spec.id] ?? [], message);
      continue;
    }

    // Re-derive from the original when the patched bytes are outdated or were changed.
    const refresh = mode !== "verify" && backup !== null && (changedSincePatch || patchedWithOtherSettings);
    const base = refresh ? backup!.toString("utf8") : state.text;
    const specsRun = refresh
      ? unionSpecs(candidates, options.all.filter((s) => (entry!.sites[s.id]?.length ?? 0) > 0 && fileSpecs.includes(s)))
      : candidates;
    const format = moduleFormat(file, copy);
    const plan = planFile({ code: base, file, format, specs: specsRun, settings: options.settings });
    const failure = checkPlan(plan, file, format, specsRun, options.settings);
    const expected = plan.output ?? base;
    const upToDate = expected === state.text;

    for (const spec of specsRun) {
      const outcome = plan.outcomes.find((o) => o.specId === spec.id);
      const sites = (outcome?.sites ?? []).map(({ line, column, what }) => ({ line, column, what }));
      if (!candidates.includes(spec)) continue;
      if (plan.parseError) {
        report(spec, "parse-error", [], `syntax error at ${plan.parseError.line}:${plan.parseError.column}: ${plan.parseError.message}`);
      } else if (outcome?.ambiguous) {
        report(spec, "ambiguous", sites, outcome.ambiguous);
      } else if (failure) {
        report(spec, "ambiguous", sites, failure);
      } else if (outcome?.staleMarker && !refresh) {
        report(spec, "drifted", sites, "carries a marker of another version of this patch and no original is kept: reinstall the package, then run clawpatch patch");
      } else if (sites.length === 0) {
        continue;
      } else if (upToDate) {
        report(spec, "already-applied", sites);
      } else if (mode === "verify") {
        report(spec, marked ? "drifted" : "unpatched", sites, marked ? "partly patched" : "not patched");
      } else {
        report(spec, mode === "dry-run" ? "unpatched" : "applied", sites, refresh ? "re-applied from the original" : undefined);
      }
      if (outcome && outcome.assets.length && sites.length) assetsBySpec.set(spec.id, [...(assetsBySpec.get(spec.id) ?? []), ...outcome.assets]);
    }

    if (plan.parseError || failure) continue;
    const before = refresh ? entry!.before : marked && backup ? entry!.before : state.sha;
    newEntries[file] = {
      before,
      after: sha256(expected),
      checked: unionIds(refresh || !entry ? [] : entry.checked, specsRun.map((s) => s.id)),
      sites: Object.fromEntries(
        plan.outcomes
          .filter((o) => o.sites.length)
          .map((o) => [o.specId, o.sites.map(({ line, column, what }) => ({ line, column, what }))]),
      ),
    };
    if (!upToDate) {
      const needsBackup = !marked && !(backup && sha256(backup) === state.sha);
      writes.push({ file, text: expected, mode: state.mode, previous: mode === "dry-run" ? state.text : "", ...(needsBackup ? { backup: state.bytes } : {}) });
    }
  }

  // Files the patches add to the package (e.g. the overlay module).
  const assets: CopyPlan["assets"] = [];
  const assetHashes: Record<string, string> = {};
  for (const { spec } of applicable) {
    for (const asset of assetsBySpec.get(spec.id) ?? []) {
      if (assetHashes[asset.path]) continue;
      assetHashes[asset.path] = sha256(asset.content);
      const path = join(copy.dir, asset.path);
      const previous = existsSync(path) ? readFileSync(path, "utf8") : null;
      if (previous === asset.content) continue;
      assets.push({ ...asset, previous });
      const status: Status = mode === "verify" ? (previous === null ? "unpatched" : "drifted") : mode === "dry-run" ? "unpatched" : "applied";
      fileResults.get(spec.id)!.push({
        file: asset.path,
        status,
        sites: [],
        message: previous === null ? "module missing" : "module differs from what clawpatch writes",
      });
    }
  }

  for (const { spec, target } of applicable) {
    const files = fileResults.get(spec.id)!;
    results.push(resultFor(spec, aggregate(files, target.expect ?? "one", target.whenAbsent), files));
  }
  results.sort((a, b) => options.selected.findIndex((s) => s.id === a.patch) - options.selected.findIndex((s) => s.id === b.patch));

  const manifest = buildManifest(options, current, applicable, newEntries, assetHashes);
  const unchanged = current !== null && manifest !== null && sameBody(current, manifest);
  return { copy, results, writes, assets, manifest: unchanged ? null : manifest, current };
}

/** sha256 hex of `bytes`, computed off the main thread (the same digest as `sha256`). */
async function sha256Async(bytes: Buffer): Promise<string> {
  if (bytes.length < 1 << 16) return sha256(bytes);
  return Buffer.from(await webcrypto.subtle.digest("SHA-256", bytes)).toString("hex");
}

let scratch = Buffer.allocUnsafe(1 << 20);

/**
 * The bytes of a file in a buffer reused by the next call (copy them to keep them). One open, one
 * fstat, reads until EOF (a file that grows while read is read whole).
 */
function readInto(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size + 1) scratch = Buffer.allocUnsafe(Math.max(size + 1, scratch.length * 2));
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, length);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, length, scratch.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return scratch.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Exact byte-level prefilter: a file lacking every needle cannot hold a site and is never parsed. */
function mayHoldSite(spec: PatchSpec, bytes: Buffer): boolean {
  const needles = spec.transform.prefilter;
  return !needles || needles.length === 0 || needles.some((needle) => bytes.includes(needle));
}

/**
 * The check before anything is written: the edited text must parse, and the same specs run
 * on it must find nothing left to do (idempotence, proven on every write).
 */
function checkPlan(
  plan: FilePlan,
  file: string,
  format: "esm" | "cjs",
  specs: readonly PatchSpec[],
  settings: ResolvedSettings,
): string | null {
  if (plan.output === null) return null;
  const again = planFile({
    code: plan.output,
    file,
    format,
    specs,
    settings,
    ...(plan.partialOutput !== undefined ? { partialText: plan.partialOutput } : {}),
  });
  if (again.parseError) {
    return `the patched text does not parse (${again.parseError.line}:${again.parseError.column}: ${again.parseError.message}); nothing was written`;
  }
  if (again.output !== null) {
    const which = again.outcomes.filter((o) => o.sites.some((s) => s.state === "patched")).map((o) => o.specId);
    return `re-running ${which.join(", ")} on its own output would edit again (not idempotent); nothing was written`;
  }
  return null;
}

function readBackup(dir: string, file: string, expectedSha: string): Buffer | null {
  try {
    const bytes = readFileSync(join(dir, ORIGINALS_DIR, file));
    return sha256(bytes) === expectedSha ? bytes : null;
  } catch {
    return null;
  }
}

function resultFor(spec: PatchSpec, outcome: Pick<PatchResult, "status" | "siteCount" | "message">, files: FileResult[]): PatchResult {
  return {
    patch: spec.id,
    version: spec.version,
    required: spec.required ?? true,
    status: outcome.status,
    siteCount: outcome.siteCount,
    ...(outcome.message ? { message: outcome.message } : {}),
    files,
  };
}

function unionSpecs(a: readonly PatchSpec[], b: readonly PatchSpec[]): PatchSpec[] {
  return [...new Set([...a, ...b])];
}

function unionIds(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function buildManifest(
  options: PlanCopyOptions,
  current: Manifest | null,
  applicable: Applicable[],
  entries: Record<string, ManifestFile>,
  assets: Record<string, string>,
): Omit<Manifest, "digest"> | null {
  const touched = Object.values(entries).some((e) => e.before !== e.after) || Object.keys(assets).length > 0;
  if (!touched && !current) return null;
  const specs: Record<string, number> = { ...(current?.specs ?? {}) };
  for (const { spec } of applicable) specs[spec.id] = spec.version;
  return {
    format: 1,
    tool: { name: "clawpatch", version: options.toolVersion },
    package: { name: options.copy.name, version: options.copy.version },
    specs,
    settings: options.settingsDigest,
    files: { ...(current?.files ?? {}), ...entries },
    assets: { ...(current?.assets ?? {}), ...assets },
  };
}

function sameBody(current: Manifest, next: Omit<Manifest, "digest">): boolean {
  const { digest: _digest, ...body } = current;
  return canonicalJson(body) === canonicalJson(next);
}

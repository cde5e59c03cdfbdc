import { basename, join } from "node:path";
import satisfies from "semver/functions/satisfies.js";
import { lstatInside, readRegularInside } from "../core/confine.js";
import { sha256 } from "../core/hash.js";
import { ADDED_FILE_PREFIX } from "../core/paths.js";
import { isSourceTransform, type FileChange, type PatchSpec, type PatchTarget } from "../core/spec.js";
import { moduleFormat, selectFiles } from "../discover/files.js";
import type { Listings } from "../discover/glob.js";
import type { PackageCopy } from "../discover/packages.js";
import { hasAnyMarker } from "../transforms/marker.js";
import { mayHoldSite, planFile, planLedgerFile } from "../transforms/plan.js";
import { aggregate, decideAdded, decideFile, LINKED_TARGET, type Mode, type SpecPlan } from "../verify/decide.js";
import { readManifest } from "../verify/manifest-read.js";
import {
  sameManifest,
  type Manifest,
  type ManifestAdded,
  type ManifestBody,
  type ManifestFile,
  type ManifestSpec,
  type RecordedSite,
} from "../verify/manifest.js";
import { classifyAdded, classifyFile, type FileState } from "../verify/state.js";
import type { FileResult, PatchResult } from "../verify/status.js";
import { checkLedgerPlan, checkSourcePlan } from "./check.js";
import { readInto, readOriginal, sha256Async, yieldToTimers } from "./read.js";

export interface PlanCopyOptions {
  copy: PackageCopy;
  /** Specs selected for this run. */
  selected: readonly PatchSpec[];
  /** Every spec of the config (re-deriving a file from its original re-applies those already there). */
  all: readonly PatchSpec[];
  /** This run's version and options digest of every spec, by id. */
  records: ReadonlyMap<string, ManifestSpec>;
  toolVersion: string;
  config: Manifest["config"];
  mode: Mode;
}

/** A file this run writes: a patched file, a file a patch adds, or a synced inventory. */
export interface FileWrite {
  file: string;
  text: string;
  mode: number;
  /** A file a patch adds: staged before the files that load it. */
  added: boolean;
  /** Original bytes to keep under .clawmend/originals (absent when already kept). */
  backup?: Buffer;
  /** Text before this run, for --dry-run diffs (null otherwise, and for a new file). */
  previous: string | null;
}

export interface CopyPlan {
  copy: PackageCopy;
  results: PatchResult[];
  writes: FileWrite[];
  /** The manifest to write, or null when nothing about the copy changes. */
  manifest: ManifestBody | null;
  /** The manifest on disk (its digest is the copy's digest when nothing changes). */
  current: Manifest | null;
  /** What is wrong with the copy as a whole (its manifest is of another version). */
  problems: string[];
}

interface Applicable {
  spec: PatchSpec;
  target: PatchTarget;
  files: string[];
  links: string[];
}

/** A selected file that may hold a site: its bytes and hash, read once. */
interface Candidate {
  file: string;
  /** Source specs whose prefilter matched. */
  specs: PatchSpec[];
  bytes: Buffer;
  sha: string;
}

interface ExpectedAdded {
  sha256: string;
  size: number;
  /** Null when known only from the manifest (its importers were not planned this run). */
  content: string | null;
  by: string;
  importers: string[];
}

/** The target of `spec` that applies to `copy`, null when none does, undefined when it names another package. */
export function applicableTarget(spec: PatchSpec, copy: Pick<PackageCopy, "name" | "version">): PatchTarget | null | undefined {
  const named = spec.targets.filter((t) => t.package === copy.name || (t.aliases ?? []).includes(copy.name));
  if (named.length === 0) return undefined;
  return named.find((t) => !t.range || satisfies(copy.version, t.range, { includePrerelease: true })) ?? null;
}

/**
 * Plans one package copy: reads it, classifies every file against the manifest, plans what
 * needs planning, and decides every status. Reads only; the caller writes.
 */
export async function planCopy(o: PlanCopyOptions): Promise<CopyPlan> {
  const { copy, mode } = o;
  const problems: string[] = [];
  let current = readManifest(copy.dir);
  if (current && (current.package.name !== copy.name || current.package.version !== copy.version)) {
    problems.push(
      `${copy.name} was ${current.package.version} when clawmend patched it, now ${copy.version} (reinstalled or updated)` +
        (mode === "patch" ? ": patched the new version" : ": run clawmend patch"),
    );
    current = null;
  }

  const results: PatchResult[] = [];
  const applicable: Applicable[] = [];
  const listings: Listings = new Map(); // the targets of this copy list each directory once
  for (const spec of o.selected) {
    const target = applicableTarget(spec, copy);
    if (target === undefined) continue;
    if (target === null) {
      const ranges = spec.targets.filter((t) => t.package === copy.name || (t.aliases ?? []).includes(copy.name)).map((t) => t.range);
      results.push(
        resultOf(
          spec,
          { status: "not-applicable", siteCount: 0, message: `version ${copy.version} is outside ${ranges.join(" or ")}` },
          [],
        ),
      );
      continue;
    }
    const { files, links } = selectFiles(copy, target, listings);
    applicable.push({ spec, target, files, links });
  }
  const fileResults = new Map<string, FileResult[]>(applicable.map((a) => [a.spec.id, []]));
  const report = (specId: string, result: FileResult) => fileResults.get(specId)?.push(result);
  for (const { spec, links } of applicable) for (const file of links) report(spec.id, { file, ...LINKED_TARGET, sites: [] });
  const ledgers = applicable.filter((a) => !isSourceTransform(a.spec.transform));
  const ledgerFiles = new Set(ledgers.flatMap((a) => a.files));

  const isFresh = (entry: ManifestFile | undefined, specs: readonly PatchSpec[]): boolean =>
    current !== null &&
    entry !== undefined &&
    current.tool.version === o.toolVersion &&
    specs.every((s) => sameRecord(current!.specs[s.id], o.records.get(s.id)) && entry.checked.includes(s.id));
  const otherwise = (specs: readonly PatchSpec[]): string => describeOtherwise(current, specs, o);

  // 1. Read every candidate file once; recorded added files are checked before planning, so
  //    that a missing one gets its importers planned (and its content written) again.
  const candidates = await readCandidates(
    copy,
    applicable.filter((a) => isSourceTransform(a.spec.transform)),
    ledgerFiles,
  );
  const recordedAdded = new Map<string, { entry: ManifestAdded; onDisk: string | null }>();
  for (const [path, entry] of Object.entries(current?.added ?? {})) {
    const bytes = readRegularInside(copy.dir, path);
    recordedAdded.set(path, { entry, onDisk: bytes === null ? null : sha256(bytes) });
  }
  const replan = new Set<string>();
  if (mode !== "verify") {
    for (const { entry, onDisk } of recordedAdded.values())
      if (onDisk !== entry.sha256) for (const file of entry.importers) replan.add(file);
  }

  // 2. Source files: as recorded, or planned (from the kept original when clawmend's own edit changed or is outdated).
  const entries: Record<string, ManifestFile> = {};
  const writes: FileWrite[] = [];
  const added = new Map<string, ExpectedAdded>();
  let planned = 0;
  for (const c of candidates) {
    await yieldToTimers();
    const entry = current?.files[c.file];
    const marked = hasAnyMarker(c.bytes);
    const state = classifyFile({ entry, sha: c.sha, marked, fresh: isFresh(entry, c.specs) });
    if (state === "as-recorded" && !replan.has(c.file)) {
      for (const spec of c.specs) {
        const sites = entry!.sites[spec.id] ?? [];
        const decision = decideFile({ mode, state, plan: null, recordedSites: sites.length, marked });
        if (decision) report(spec.id, { file: c.file, ...decision, sites });
      }
      entries[c.file] = entry!;
      continue;
    }
    planned += 1;
    const original = entry && (state === "recorded-otherwise" || state === "edited") ? readOriginal(copy.dir, c.file, entry.before) : null;
    const text = c.bytes.toString("utf8");
    const base = original ? original.toString("utf8") : text;
    const specs = original
      ? union(
          c.specs,
          o.all.filter((s) => (entry!.sites[s.id]?.length ?? 0) > 0 && isSourceTransform(s.transform) && applicableTarget(s, copy)),
        )
      : c.specs;
    const format = moduleFormat(c.file, copy);
    const plan = planFile({ code: base, file: c.file, format, specs });
    const failure = plan.parseError ? null : checkSourcePlan(plan, c.file, format, specs);
    const expected = plan.output ?? base;
    const upToDate = expected === text;
    for (const spec of c.specs) {
      const outcome = plan.outcomes.find((x) => x.specId === spec.id);
      const sites = recorded(outcome?.sites ?? []);
      const specPlan: SpecPlan = {
        patched: outcome?.sites.filter((s) => s.state === "patched").length ?? 0,
        already: outcome?.sites.filter((s) => s.state === "already").length ?? 0,
        ...(plan.parseError
          ? { parseError: `syntax error at ${plan.parseError.line}:${plan.parseError.column}: ${plan.parseError.message}` }
          : {}),
        ...(outcome?.ambiguous || failure ? { ambiguous: outcome?.ambiguous ?? failure! } : {}),
        otherVersionMarker: outcome?.otherVersionMarker ?? false,
        fromOriginal: original !== null,
        upToDate,
      };
      const decision = decideFile({ mode, state, plan: specPlan, recordedSites: 0, marked, otherwise: otherwise(c.specs) });
      if (decision) report(spec.id, { file: c.file, ...decision, sites });
      if (sites.length === 0) continue;
      for (const file of outcome?.added ?? []) {
        if (!basename(file.path).startsWith(ADDED_FILE_PREFIX)) {
          report(spec.id, {
            file: file.path,
            status: "ambiguous",
            sites: [],
            message: `a file a patch adds must be named ${ADDED_FILE_PREFIX}* (no patch edits those)`,
          });
          continue;
        }
        const known = added.get(file.path);
        if (known && known.content !== file.content) {
          report(spec.id, {
            file: file.path,
            status: "ambiguous",
            sites: [],
            message: `${known.by} and ${spec.id} add it with different contents`,
          });
          continue;
        }
        added.set(file.path, {
          sha256: sha256(file.content),
          size: Buffer.byteLength(file.content),
          content: file.content,
          by: known?.by ?? spec.id,
          importers: union(known?.importers ?? [], [c.file]).sort(),
        });
      }
    }
    if (plan.parseError || failure) continue;
    entries[c.file] = {
      before: original ? entry!.before : c.sha,
      after: upToDate ? c.sha : sha256(expected),
      size: Buffer.byteLength(expected),
      checked: union(
        original || !entry ? [] : entry.checked,
        specs.map((s) => s.id),
      ).sort(),
      sites: Object.fromEntries(plan.outcomes.filter((x) => x.sites.length).map((x) => [x.specId, recorded(x.sites)])),
    };
    if (!upToDate) {
      const keep = !original && !marked && readOriginal(copy.dir, c.file, c.sha) === null;
      writes.push({
        file: c.file,
        text: expected,
        mode: fileMode(copy.dir, c.file),
        added: false,
        previous: mode === "dry-run" ? text : null,
        ...(keep ? { backup: Buffer.from(c.bytes) } : {}),
      });
    }
  }

  // 3. Files the patches add: what this run planned, else what the manifest recorded.
  for (const [path, { entry }] of recordedAdded) {
    if (!added.has(path) && entry.importers.every((file) => entries[file] === current?.files[file])) {
      added.set(path, { sha256: entry.sha256, size: entry.size, content: null, by: entry.by, importers: entry.importers });
    }
  }
  let addedAllPresent = true;
  for (const [path, expected] of [...added].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const onDisk = recordedAdded.has(path) ? recordedAdded.get(path)!.onDisk : sha256OrNull(readRegularInside(copy.dir, path));
    const state = classifyAdded(expected.sha256, onDisk);
    if (state === "present") continue;
    addedAllPresent = false;
    const decision = decideAdded(mode, state);
    if (decision) report(expected.by, { file: path, ...decision, sites: [] });
    if (mode !== "verify" && expected.content !== null) {
      const previous = mode === "dry-run" && onDisk !== null ? readRegularInside(copy.dir, path)!.toString("utf8") : null;
      writes.push({ file: path, text: expected.content, mode: 0o644, added: true, previous });
    }
  }

  // 4. Inventories of the package's own files: synced with every change, from their originals.
  const carried = carriedEntries(copy.dir, current, entries);
  const changes = changesOf({ ...carried, ...entries }, added, ledgerFiles);
  for (const { spec, files } of ledgers) {
    for (const file of files) {
      const bytes = readRegularInside(copy.dir, file);
      if (bytes === null) continue;
      const sha = sha256(bytes);
      const entry = current?.files[file];
      let state: FileState = classifyFile({ entry, sha, marked: false, fresh: isFresh(entry, [spec]) });
      if (state === "as-recorded" && planned === 0 && addedAllPresent) {
        const sites = entry!.sites[spec.id] ?? [];
        const decision = decideFile({ mode, state, plan: null, recordedSites: sites.length, marked: false });
        if (decision) report(spec.id, { file, ...decision, sites });
        entries[file] = entry!;
        continue;
      }
      const original = entry && state !== "original" && state !== "replaced" ? readOriginal(copy.dir, file, entry.before) : null;
      const text = bytes.toString("utf8");
      const base = original ? original.toString("utf8") : text;
      const plan = planLedgerFile({ code: base, file, spec, changes });
      const failure = plan.ambiguous ? null : checkLedgerPlan(plan.output, file, spec, changes);
      const expected = plan.output ?? base;
      const upToDate = expected === text;
      if (state === "as-recorded") state = "recorded-otherwise";
      const decision = decideFile({
        mode,
        state,
        marked: false,
        recordedSites: 0,
        otherwise: "does not record the files as clawmend leaves them: run clawmend patch",
        plan: {
          patched: plan.sites.filter((s) => s.state === "patched").length,
          already: plan.sites.filter((s) => s.state === "already").length,
          ...(plan.ambiguous || failure ? { ambiguous: plan.ambiguous ?? failure! } : {}),
          otherVersionMarker: false,
          fromOriginal: original !== null,
          upToDate,
        },
      });
      const sites = recorded(plan.sites);
      if (decision) report(spec.id, { file, ...decision, sites });
      if (plan.ambiguous || failure) continue;
      entries[file] = {
        before: original ? entry!.before : sha,
        after: upToDate ? sha : sha256(expected),
        size: Buffer.byteLength(expected),
        checked: [spec.id],
        sites: sites.length ? { [spec.id]: sites } : {},
      };
      if (!upToDate) {
        const keep = !original && readOriginal(copy.dir, file, sha) === null;
        writes.push({
          file,
          text: expected,
          mode: fileMode(copy.dir, file),
          added: false,
          previous: mode === "dry-run" ? text : null,
          ...(keep ? { backup: bytes } : {}),
        });
      }
    }
  }

  for (const { spec, target } of applicable) {
    const files = fileResults.get(spec.id)!;
    results.push(resultOf(spec, aggregate(files, target.expect ?? "one", target.whenAbsent), files));
  }
  results.sort((a, b) => o.selected.findIndex((s) => s.id === a.patch) - o.selected.findIndex((s) => s.id === b.patch));

  const manifest = manifestOf(o, current, applicable, { ...carried, ...entries }, added);
  const unchanged = current !== null && manifest !== null && sameManifest(current, manifest);
  return { copy, results, writes, manifest: unchanged ? null : manifest, current, problems };
}

/** Reads every file a source spec selects, keeps those a prefilter matches, and hashes them (large ones off the main thread). */
async function readCandidates(copy: PackageCopy, applicable: readonly Applicable[], skip: ReadonlySet<string>): Promise<Candidate[]> {
  const specsByFile = new Map<string, PatchSpec[]>();
  for (const { spec, files } of applicable) {
    for (const file of files) {
      if (skip.has(file)) continue;
      const list = specsByFile.get(file);
      if (list) list.push(spec);
      else specsByFile.set(file, [spec]);
    }
  }
  const hits: Array<Omit<Candidate, "sha"> & { sha: Promise<string> }> = [];
  for (const [file, specs] of [...specsByFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await yieldToTimers();
    const scanned = readInto(join(copy.dir, file));
    const matched = specs.filter((spec) => mayHoldSite(spec, scanned));
    if (matched.length === 0) continue;
    const bytes = Buffer.from(scanned);
    hits.push({ file, specs: matched, bytes, sha: sha256Async(bytes) });
  }
  return Promise.all(hits.map(async (hit) => ({ ...hit, sha: await hit.sha })));
}

/** Entries of the current manifest for files this run did not read that are still there. */
function carriedEntries(dir: string, current: Manifest | null, visited: Record<string, ManifestFile>): Record<string, ManifestFile> {
  const out: Record<string, ManifestFile> = {};
  for (const [file, entry] of Object.entries(current?.files ?? {})) {
    if (visited[file]) continue;
    const st = lstatInside(dir, file);
    if (st?.isFile()) out[file] = { ...entry, size: entry.size ?? st.size };
  }
  return out;
}

/** What the source patches leave different from the package's own bytes, and what they add. */
function changesOf(
  entries: Record<string, ManifestFile>,
  added: ReadonlyMap<string, ExpectedAdded>,
  ledgerFiles: ReadonlySet<string>,
): FileChange[] {
  const changes: FileChange[] = [];
  for (const [path, entry] of Object.entries(entries)) {
    if (entry.before !== entry.after && !ledgerFiles.has(path))
      changes.push({ path, sha256: entry.after, size: entry.size, mode: 0, added: false });
  }
  for (const [path, file] of added) changes.push({ path, sha256: file.sha256, size: file.size, mode: 0o644, added: true });
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function manifestOf(
  o: PlanCopyOptions,
  current: Manifest | null,
  applicable: readonly Applicable[],
  files: Record<string, ManifestFile>,
  added: ReadonlyMap<string, ExpectedAdded>,
): ManifestBody | null {
  const touched = Object.values(files).some((e) => e.before !== e.after) || added.size > 0;
  if (!touched && !current) return null;
  const specs: Record<string, ManifestSpec> = { ...(current?.specs ?? {}) };
  for (const { spec } of applicable) specs[spec.id] = o.records.get(spec.id)!;
  return {
    format: 2,
    tool: { name: "clawmend", version: o.toolVersion },
    package: { name: o.copy.name, version: o.copy.version },
    config: o.config,
    specs,
    files,
    added: Object.fromEntries([...added].map(([path, a]) => [path, { sha256: a.sha256, size: a.size, by: a.by, importers: a.importers }])),
  };
}

/** How the recording of these specs differs from this run, and the command that reproduces or replaces it. */
function describeOtherwise(current: Manifest | null, specs: readonly PatchSpec[], o: PlanCopyOptions): string {
  if (!current) return "patched with other settings: run clawmend patch";
  if (current.tool.version !== o.toolVersion)
    return `patched by clawmend ${current.tool.version} (this is ${o.toolVersion}): run clawmend patch`;
  for (const spec of specs) {
    const was = current.specs[spec.id];
    const now = o.records.get(spec.id)!;
    if (!was) continue;
    if (was.version !== now.version) return `patched by ${spec.id}@${was.version} (this clawmend has @${now.version}): run clawmend patch`;
  }
  const used = current.config.file ?? "the built-in default";
  const reproduce = current.config.file ? `clawmend patch --config ${current.config.file}` : "clawmend patch without --config";
  return `patched with other settings (config: ${used}): run clawmend patch to apply this run's settings, or verify with ${reproduce.replace("clawmend patch", "clawmend patch --verify")} to keep them`;
}

function sameRecord(a: ManifestSpec | undefined, b: ManifestSpec | undefined): boolean {
  return a !== undefined && b !== undefined && a.version === b.version && a.options === b.options;
}

function resultOf(spec: PatchSpec, outcome: Pick<PatchResult, "status" | "siteCount" | "message">, files: FileResult[]): PatchResult {
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

function recorded(sites: ReadonlyArray<{ line: number; column: number; what: string }>): RecordedSite[] {
  return sites.map(({ line, column, what }) => ({ line, column, what }));
}

function union<T>(a: readonly T[], b: readonly T[]): T[] {
  return [...new Set([...a, ...b])];
}

function fileMode(dir: string, file: string): number {
  return lstatInside(dir, file)!.mode & 0o7777;
}

function sha256OrNull(bytes: Buffer | null): string | null {
  return bytes === null ? null : sha256(bytes);
}

import { lstatInside } from "../core/confine.js";
import type { FileChange, PatchSpec } from "../core/spec.js";
import { compareStrings, type PackageCopy } from "../discover/packages.js";
import type { Manifest, ManifestBody, ManifestFile, ManifestSpec } from "../verify/manifest.js";

/** What a run records of itself in the manifest of a copy. */
export interface RunSettings {
  copy: PackageCopy;
  /** This run's version and options digest of every spec, by id. */
  records: ReadonlyMap<string, ManifestSpec>;
  toolVersion: string;
  config: Manifest["config"];
}

/** A file the patches add, as this run expects it on disk. */
export interface ExpectedAdded {
  sha256: string;
  size: number;
  /** Null when known only from the manifest (its importers were not planned this run). */
  content: string | null;
  by: string;
  importers: string[];
}

/** Whether `entry` was recorded by this clawmend with this run's version and options of every one of `specs`. */
export function recordedFresh(
  current: Manifest | null,
  entry: ManifestFile | undefined,
  specs: readonly PatchSpec[],
  run: RunSettings,
): boolean {
  return (
    current !== null &&
    entry !== undefined &&
    current.tool.version === run.toolVersion &&
    specs.every((spec) => sameRecord(current.specs[spec.id], run.records.get(spec.id)) && entry.checked.includes(spec.id))
  );
}

/** How the recording of these specs differs from this run, and the command that reproduces or replaces it. */
export function describeOtherwise(current: Manifest | null, specs: readonly PatchSpec[], run: RunSettings): string {
  if (!current) return "patched with other settings: run clawmend patch";
  if (current.tool.version !== run.toolVersion)
    return `patched by clawmend ${current.tool.version} (this is ${run.toolVersion}): run clawmend patch`;
  for (const spec of specs) {
    const was = current.specs[spec.id];
    const now = run.records.get(spec.id)!;
    if (!was) continue;
    if (was.version !== now.version) return `patched by ${spec.id}@${was.version} (this clawmend has @${now.version}): run clawmend patch`;
  }
  const used = current.config.file ?? "the built-in default";
  const reproduce = current.config.file ? `clawmend patch --config ${current.config.file}` : "clawmend patch without --config";
  return `patched with other settings (config: ${used}): run clawmend patch to apply this run's settings, or verify with ${reproduce.replace("clawmend patch", "clawmend patch --verify")} to keep them`;
}

/** Entries of the current manifest for files this run did not read that are still there. */
export function carriedEntries(dir: string, current: Manifest | null, visited: Record<string, ManifestFile>): Record<string, ManifestFile> {
  const carried: Record<string, ManifestFile> = {};
  for (const [file, entry] of Object.entries(current?.files ?? {})) {
    if (visited[file]) continue;
    const stat = lstatInside(dir, file);
    if (stat?.isFile()) carried[file] = { ...entry, size: entry.size ?? stat.size };
  }
  return carried;
}

/** What the source patches leave different from the package's own bytes, and what they add. */
export function changesOf(
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
  return changes.sort((a, b) => compareStrings(a.path, b.path));
}

/** The manifest of a copy after this run, or null when clawmend never touched it and does not now. */
export function manifestOf(
  run: RunSettings,
  current: Manifest | null,
  specs: readonly PatchSpec[],
  files: Record<string, ManifestFile>,
  added: ReadonlyMap<string, ExpectedAdded>,
): ManifestBody | null {
  const touched = Object.values(files).some((entry) => entry.before !== entry.after) || added.size > 0;
  if (!touched && !current) return null;
  const records: Record<string, ManifestSpec> = { ...(current?.specs ?? {}) };
  for (const spec of specs) records[spec.id] = run.records.get(spec.id)!;
  return {
    format: 2,
    tool: { name: "clawmend", version: run.toolVersion },
    package: { name: run.copy.name, version: run.copy.version },
    config: run.config,
    specs: records,
    files,
    added: Object.fromEntries(
      [...added].map(([path, file]) => [path, { sha256: file.sha256, size: file.size, by: file.by, importers: file.importers }]),
    ),
  };
}

function sameRecord(recorded: ManifestSpec | undefined, now: ManifestSpec | undefined): boolean {
  return recorded !== undefined && now !== undefined && recorded.version === now.version && recorded.options === now.options;
}

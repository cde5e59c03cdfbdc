/**
 * A manifest is read from the tree it describes, so it is untrusted input: every field is checked
 * for its type, every path it names for staying inside the package, and only the fields clawmend
 * knows are kept. A manifest that fails is tampered state, never half-used.
 */
import { join } from "node:path";
import { expectDirectoryInside, lstatInside, readRegularInside, showPath, unsafePathReason } from "../core/confine.js";
import { ClawmendError } from "../core/errors.js";
import { STATE_DIR } from "../core/paths.js";
import {
  MANIFEST_FILE,
  ORIGINALS_DIR,
  type Manifest,
  type ManifestAdded,
  type ManifestFile,
  type ManifestSpec,
  type RecordedSite,
} from "./manifest.js";

/**
 * The manifest of a package copy, checked field by field, or null when there is none or
 * it is of a format this clawmend does not know. The state directory, its originals and the
 * manifest are never followed through a link; anything wrong with them is tampered state.
 */
export function readManifest(packageDir: string): Manifest | null {
  for (const dir of [STATE_DIR, ORIGINALS_DIR]) expectDirectoryInside(packageDir, dir);
  const where = join(packageDir, MANIFEST_FILE);
  const st = lstatInside(packageDir, MANIFEST_FILE);
  if (!st) return null;
  const bytes = st.isFile() ? readRegularInside(packageDir, MANIFEST_FILE) : null;
  if (bytes === null) throw ClawmendError.tampered(where, "is not a regular file (a symbolic link?)");
  try {
    return checkManifest(JSON.parse(bytes.toString("utf8")));
  } catch (error) {
    if (error instanceof ManifestProblem || error instanceof SyntaxError || error instanceof RangeError)
      throw ClawmendError.tampered(where, error instanceof ManifestProblem ? error.message : "is not JSON");
    throw error;
  }
}

class ManifestProblem extends Error {
  override name = "ManifestProblem";
}

function fail(problem: string): never {
  throw new ManifestProblem(problem);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown, what: string): Record<string, unknown> {
  return isObject(value) ? value : fail(`${what} is not an object`);
}

function string(value: unknown, what: string): string {
  return typeof value === "string" ? value : fail(`${what} is not a string`);
}

function integer(value: unknown, what: string, min: number): number {
  return Number.isSafeInteger(value) && (value as number) >= min ? (value as number) : fail(`${what} is not an integer >= ${min}`);
}

function hash(value: unknown, what: string): string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value) ? value : fail(`${what} is not a sha256`);
}

function path(value: unknown, what: string): string {
  const reason = unsafePathReason(value);
  return reason ? fail(`${what} ${showPath(value)} ${reason}`) : (value as string);
}

function list<T>(value: unknown, what: string, each: (item: unknown, what: string) => T): T[] {
  return Array.isArray(value) ? value.map((item, i) => each(item, `${what}[${i}]`)) : fail(`${what} is not an array`);
}

function record<T>(value: unknown, what: string, each: (item: unknown, what: string) => T, key = string): Record<string, T> {
  return Object.fromEntries(
    Object.entries(object(value, what)).map(([k, v]) => [key(k, `${what} key`), each(v, `${what} ${showPath(k)}`)]),
  );
}

function site(value: unknown, what: string): RecordedSite {
  const s = object(value, what);
  return { line: integer(s.line, `${what}.line`, 0), column: integer(s.column, `${what}.column`, 0), what: string(s.what, `${what}.what`) };
}

function fileEntry(value: unknown, what: string): ManifestFile {
  const f = object(value, what);
  return {
    before: hash(f.before, `${what}.before`),
    after: hash(f.after, `${what}.after`),
    // Format 1 recorded no size: the engine takes it from the file.
    ...(f.size === undefined ? {} : { size: integer(f.size, `${what}.size`, 0) }),
    checked: list(f.checked, `${what}.checked`, string),
    sites: record(f.sites, `${what}.sites`, (v, w) => list(v, w, site)),
  } as ManifestFile;
}

function addedEntry(value: unknown, what: string): ManifestAdded {
  const a = object(value, what);
  return {
    sha256: hash(a.sha256, `${what}.sha256`),
    size: integer(a.size, `${what}.size`, 0),
    by: string(a.by, `${what}.by`),
    importers: list(a.importers, `${what}.importers`, path),
  };
}

function nameVersion(value: unknown, what: string): { name: string; version: string } {
  const o = object(value, what);
  return { name: string(o.name, `${what}.name`), version: string(o.version, `${what}.version`) };
}

function nullableString(value: unknown, what: string): string | null {
  return value === null ? null : string(value, what);
}

/** The manifest in `parsed` (format 2, or 1 converted), null for a format this clawmend does not know. */
function checkManifest(parsed: unknown): Manifest | null {
  const m = object(parsed, "the manifest");
  if (m.format !== 1 && m.format !== 2) return null;
  const files = record(m.files, "files", fileEntry, path);
  const common = {
    format: 2,
    tool: nameVersion(m.tool, "tool"),
    package: nameVersion(m.package, "package"),
    files,
    digest: m.format === 1 && m.digest === undefined ? "" : string(m.digest, "digest"),
  };
  if (m.format === 2) {
    const config = object(m.config, "config");
    return {
      ...common,
      config: { file: nullableString(config.file, "config.file"), digest: nullableString(config.digest, "config.digest") },
      specs: record(m.specs, "specs", (v, w): ManifestSpec => {
        const s = object(v, w);
        return { version: integer(s.version, `${w}.version`, 0), options: string(s.options, `${w}.options`) };
      }),
      added: record(m.added, "added", addedEntry, path),
    };
  }
  // Format 1 (clawmend 0.1): spec versions without an options digest (nothing it recorded counts
  // as fresh), added files as `assets` (path → sha256).
  return {
    ...common,
    config: { file: null, digest: null },
    specs: record(m.specs, "specs", (v, w) => ({ version: integer(v, w, 0), options: "unknown (clawmend 0.1 manifest)" })),
    added: record(m.assets ?? {}, "assets", (v, w): ManifestAdded => ({ sha256: hash(v, w), size: -1, by: "", importers: [] }), path),
  };
}

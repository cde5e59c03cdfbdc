import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson, sha256 } from "../core/hash.js";
import { STATE_DIR } from "../core/paths.js";

export const MANIFEST_FILE = `${STATE_DIR}/manifest.json`;
export const ORIGINALS_DIR = `${STATE_DIR}/originals`;
export const MANIFEST_FORMAT = 2;

export interface RecordedSite {
  line: number;
  column: number;
  what: string;
}

export interface ManifestFile {
  /** sha256 of the bytes clawmend found (kept under .clawmend/originals when they differ). */
  before: string;
  /** sha256 of the bytes clawmend left (equal to `before` for a file with nothing to patch). */
  after: string;
  /** Size in bytes of what clawmend left. */
  size: number;
  /** Spec ids that examined this file. */
  checked: string[];
  /** Sites per spec id, in the original file's coordinates. */
  sites: Record<string, RecordedSite[]>;
}

export interface ManifestAdded {
  sha256: string;
  size: number;
  /** The spec that adds it. */
  by: string;
  /** The files whose inserted code loads it. */
  importers: string[];
}

export interface ManifestSpec {
  version: number;
  /** sha256 of the spec's options (canonical JSON): what it baked into the files. */
  options: string;
}

export interface Manifest {
  format: number;
  tool: { name: string; version: string };
  package: { name: string; version: string };
  /** The config file the run used (null: the built-in default) and a digest of its bytes. */
  config: { file: string | null; digest: string | null };
  /** Spec id → version and options digest, for every spec that ran on this copy. */
  specs: Record<string, ManifestSpec>;
  files: Record<string, ManifestFile>;
  /** Files clawmend added to the package, by path. */
  added: Record<string, ManifestAdded>;
  digest: string;
}

export type ManifestBody = Omit<Manifest, "digest">;

/** The manifest of a package copy, or null when there is none (or it cannot be read). */
export function readManifest(packageDir: string): Manifest | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(packageDir, MANIFEST_FILE), "utf8"));
  } catch {
    return null;
  }
  if (!isObject(parsed) || !isObject(parsed.files) || !isObject(parsed.specs)) return null;
  if (parsed.format === MANIFEST_FORMAT) return parsed as unknown as Manifest;
  if (parsed.format === 1) return fromFormat1(parsed);
  return null;
}

/**
 * A manifest written by clawmend 0.1: the same files and originals, spec versions without an
 * options digest (so nothing it recorded counts as fresh), added files as `assets`.
 */
function fromFormat1(old: Record<string, unknown>): Manifest {
  const specs = old.specs as Record<string, number>;
  const assets = (isObject(old.assets) ? old.assets : {}) as Record<string, string>;
  return {
    format: MANIFEST_FORMAT,
    tool: old.tool as Manifest["tool"],
    package: old.package as Manifest["package"],
    config: { file: null, digest: null },
    specs: Object.fromEntries(Object.entries(specs).map(([id, version]) => [id, { version, options: "unknown (clawmend 0.1 manifest)" }])),
    files: old.files as Manifest["files"],
    added: Object.fromEntries(Object.entries(assets).map(([path, sha]) => [path, { sha256: sha, size: -1, by: "", importers: [] }])),
    digest: String(old.digest ?? ""),
  };
}

export function withDigest(body: ManifestBody): Manifest {
  const { digest: _ignored, ...rest } = body as Manifest;
  return { ...rest, digest: sha256(canonicalJson(rest)) };
}

export function serializeManifest(manifest: Manifest): string {
  return `${canonicalJson(manifest, 2)}\n`;
}

/** Whether two manifests record the same thing (the digest aside). */
export function sameManifest(current: Manifest, next: ManifestBody): boolean {
  const { digest: _digest, ...body } = current;
  return canonicalJson(body) === canonicalJson(next);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

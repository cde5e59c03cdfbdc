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

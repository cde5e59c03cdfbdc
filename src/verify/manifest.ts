import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STATE_DIR } from "../discover/files.js";
import { canonicalJson, sha256 } from "./hash.js";

export const MANIFEST_FILE = `${STATE_DIR}/manifest.json`;
export const ORIGINALS_DIR = `${STATE_DIR}/originals`;
export const MANIFEST_FORMAT = 1;

export interface RecordedSite {
  line: number;
  column: number;
  what: string;
}

export interface ManifestFile {
  /** sha256 of the original bytes (kept under .clawpatch/originals when they differ). */
  before: string;
  /** sha256 of the bytes clawpatch left (equal to `before` for a file with nothing to patch). */
  after: string;
  /** Spec ids that examined this file. */
  checked: string[];
  /** Sites per spec id, in the original file's coordinates. */
  sites: Record<string, RecordedSite[]>;
}

export interface Manifest {
  format: number;
  tool: { name: string; version: string };
  package: { name: string; version: string };
  /** Spec id → version, for every spec that ran on this copy. */
  specs: Record<string, number>;
  /** sha256 of the settings baked into inserted code. */
  settings: string;
  files: Record<string, ManifestFile>;
  /** Files clawpatch added to the package (path → sha256). */
  assets: Record<string, string>;
  digest: string;
}

export function readManifest(packageDir: string): Manifest | null {
  try {
    const parsed = JSON.parse(readFileSync(join(packageDir, MANIFEST_FILE), "utf8")) as Manifest;
    return parsed.format === MANIFEST_FORMAT && parsed.files && parsed.specs ? parsed : null;
  } catch {
    return null;
  }
}

export function withDigest(manifest: Omit<Manifest, "digest">): Manifest {
  const { digest: _ignored, ...body } = manifest as Manifest;
  return { ...body, digest: sha256(canonicalJson(body)) };
}

export function serializeManifest(manifest: Manifest): string {
  return `${canonicalJson(manifest, 2)}\n`;
}

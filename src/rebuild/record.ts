/**
 * What a rebuild records of the build DEST points at, so that the next rebuild can tell by
 * reading alone that it would build the same tree again.
 *
 * A rebuild's tree is a function of three things: the source as its mirror sees it (every path,
 * mode, link target and byte, the names a mirror skips left out), the patches that run (the
 * config, each spec's version, options, targets and transform, `--only`/`--skip`) and
 * clawmend's version. The record keeps a digest of the first as the build read it
 * (`source`), a digest of the second and third (`inputs`), and a digest of the tree the build
 * left (`tree`). An unchanged rebuild hashes the source and the existing build again and
 * compares; any difference, or a record that is missing, unreadable or names another build,
 * gives a full rebuild. Nothing in the record is trusted beyond the comparison: it only ever
 * says "skip", and only when every byte read now matches it.
 *
 * It lives beside DEST (`DEST.clawmend-rebuild.json`), in the directory the rebuild already
 * writes, not inside a tree; it is read without following a link and checked field by field.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { readRegularInside } from "../core/confine.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import { TOOL_VERSION } from "../core/version.js";
import { writeFileAtomic } from "../engine/atomic.js";
import { selectSpecs, specRecord, type RunConfig } from "../engine/run.js";
import { REBUILD_DIGEST_FORMAT } from "./digest.js";
import { STORE_INFIX, storePattern } from "./swap.js";

export const RECORD_FORMAT = 1;

export interface BuildRecord {
  format: typeof RECORD_FORMAT;
  /** The content-addressed sibling this record describes (`DEST.clawmend-<digest16>`). */
  store: string;
  /** The rebuild digest printed for it. */
  digest: string;
  /** `treeDigest` of the build as it was left (links as written). */
  tree: string;
  /** {@link inputsDigest} of the run that built it. */
  inputs: string;
  /** `treeDigest` of the source as the mirror read it, before anything was patched. */
  source: string;
  /** How the build's data was copied. */
  method: "reflink" | "copy";
}

/** The record's name, beside DEST. */
export function recordName(dest: string): string {
  return `${basename(dest)}${STORE_INFIX}rebuild.json`;
}

/**
 * A digest of everything besides the source that decides what a rebuild writes: clawmend's
 * version, the config (file and bytes), every spec's id, version, options digest, whether it is
 * required, its targets and its transform (kind, prefilter, and the text of its code where the
 * runtime gives it), and which specs `--only`/`--skip` select.
 */
export function inputsDigest(config: RunConfig, only: readonly string[] = [], skip: readonly string[] = []): string {
  const selected = selectSpecs(config.patches, only, skip).map((s) => s.id);
  return sha256(
    canonicalJson({
      record: RECORD_FORMAT,
      digest: REBUILD_DIGEST_FORMAT,
      tool: TOOL_VERSION,
      config: { file: config.file, digest: config.digest },
      patches: config.patches.map((s) => ({
        id: s.id,
        ...specRecord(s),
        required: s.required ?? true,
        targets: s.targets,
        transform: {
          input: s.transform.input ?? "javascript",
          kind: s.transform.kind,
          prefilter: "prefilter" in s.transform ? (s.transform.prefilter ?? null) : null,
          reads: "reads" in s.transform ? (s.transform.reads ?? null) : null,
          apply: String(s.transform.apply),
        },
      })),
      selected,
    }),
  );
}

const HEX64 = /^[0-9a-f]{64}$/;

function isRecord(value: unknown, dest: string): value is BuildRecord {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    r.format === RECORD_FORMAT &&
    typeof r.store === "string" &&
    storePattern(dest).test(r.store) &&
    [r.digest, r.tree, r.inputs, r.source].every((h) => typeof h === "string" && HEX64.test(h)) &&
    r.store.endsWith((r.digest as string).slice(0, 16)) &&
    (r.method === "reflink" || r.method === "copy")
  );
}

/** The record beside DEST, or null when it is absent, a link, unreadable or not what clawmend writes. */
export function readRecord(dest: string): BuildRecord | null {
  try {
    const bytes = readRegularInside(dirname(dest), recordName(dest));
    if (!bytes) return null;
    const parsed: unknown = JSON.parse(bytes.toString("utf8"));
    return isRecord(parsed, dest) ? parsed : null;
  } catch {
    return null;
  }
}

export function writeRecord(dest: string, record: BuildRecord): void {
  writeFileAtomic(dirname(dest), recordName(dest), `${JSON.stringify(record, null, 2)}\n`, 0o644);
}

import { createHash } from "node:crypto";
import { compareStrings } from "../discover/packages.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import type { TreeEntry } from "./mirror.js";

export const REBUILD_DIGEST_FORMAT = 2;

/**
 * sha256 over every entry of a tree, sorted by path: directories with their mode, files
 * with mode, size and content hash (`FILE_HASH`), links with their target text. Times and owners are
 * left out: the same bytes give the same digest whenever and by whomever they were installed.
 */
export function treeDigest(entries: ReadonlyMap<string, TreeEntry>): string {
  const hash = createHash("sha256");
  for (const rel of [...entries.keys()].sort(compareStrings)) {
    const e = entries.get(rel)!;
    const row = e.kind === "dir" ? [rel, "d", e.mode] : e.kind === "file" ? [rel, "f", e.mode, e.size, e.hash] : [rel, "l", e.target];
    hash.update(`${JSON.stringify(row)}\n`);
  }
  return hash.digest("hex");
}

export interface DigestInput {
  /** {@link treeDigest} of the finished tree (patched files and manifests included). */
  tree: string;
  /** Per package copy (relative dir) → its manifest digest. */
  copies: Record<string, string | null>;
  toolVersion: string;
}

/**
 * The digest `clawmend rebuild` prints. It is a hash of what DEST holds (every path, mode
 * and byte, so an unrelated dependency that changed changes it too) together with the
 * manifest digest of each patched copy (which names the specs, their versions, the settings
 * baked in and clawmend's version) and clawmend's version. Same SRC bytes + config +
 * clawmend version ⇒ same digest; anything else that changes DEST changes it.
 */
export function rebuildDigest(input: DigestInput): string {
  return sha256(canonicalJson({ format: REBUILD_DIGEST_FORMAT, ...input }));
}

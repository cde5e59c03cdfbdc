import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { compareStrings } from "../discover/packages.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import { FILE_HASH, type TreeEntry } from "./mirror.js";

export const REBUILD_DIGEST_FORMAT = 2;

/**
 * sha256 over every entry of a tree, sorted by path: directories with their mode, files
 * with mode, size and content hash ({@link FILE_HASH}), links with their target text. Times and owners are
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

/** Lists and hashes an existing tree the way {@link treeDigest} expects (single-threaded, read-only). */
export function hashExistingTree(root: string): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  const stack = [""];
  while (stack.length) {
    const relDir = stack.pop()!;
    for (const name of readdirSync(relDir ? join(root, relDir) : root)) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = join(root, rel);
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        entries.set(rel, { kind: "dir", mode: st.mode & 0o7777 });
        stack.push(rel);
      } else if (st.isFile()) {
        const data = readFileSync(abs);
        entries.set(rel, {
          kind: "file",
          mode: st.mode & 0o7777,
          size: data.length,
          hash: createHash(FILE_HASH).update(data).digest("hex"),
        });
      } else if (st.isSymbolicLink()) {
        entries.set(rel, { kind: "link", target: readlinkSync(abs) });
      }
    }
  }
  return entries;
}

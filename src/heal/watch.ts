import { readFileSync } from "node:fs";
import { join } from "node:path";
import { joinRel } from "../core/paths.js";
import { MANIFEST_FILE } from "../verify/manifest.js";
import { readManifest } from "../verify/manifest-read.js";
import { isConfinedRel, statRows, type StatRow } from "./fingerprint.js";

/**
 * What a heal watches of a package tree. A reinstall or update replaces `package.json` and
 * changes `dist/` and `node_modules/`; an edit of a patched file changes that file. Each
 * patched package copy contributes its `package.json`, its manifest and every file the
 * manifest names (patched, examined, or added by clawmend).
 */
export function watchRows(root: string, copyDirs: readonly string[]): StatRow[] {
  const rels = ["package.json", "dist", "node_modules"];
  for (const dir of copyDirs) {
    rels.push(joinRel(dir, "package.json"), joinRel(dir, MANIFEST_FILE));
    const manifest = readManifest(dir === "." ? root : join(root, dir));
    if (!manifest) continue;
    for (const file of [...Object.keys(manifest.files), ...Object.keys(manifest.added ?? {})]) {
      if (isConfinedRel(file)) rels.push(joinRel(dir, file));
    }
  }
  return statRows(root, rels);
}

/** openclaw's version in a package directory ("?" when it cannot be read). */
export function openclawVersion(dir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "?";
  } catch {
    return "?";
  }
}

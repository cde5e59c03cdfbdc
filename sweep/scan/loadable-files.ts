/**
 * Every file Node could load as JavaScript from an extracted package (`.js`, `.mjs`, `.cjs`),
 * dot-directories included, walked with plain `readdir` (not clawmend's selection, which this
 * checks). Left out, as clawmend's selection leaves them out: `node_modules` (other packages)
 * and `.git`. Relative paths, forward slashes, sorted.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const SKIPPED_DIRS = new Set(["node_modules", ".git"]);

export function loadableFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (entry.isFile() && /\.(c|m)?js$/.test(entry.name)) out.push(path);
    }
  };
  walk("");
  return out.sort();
}

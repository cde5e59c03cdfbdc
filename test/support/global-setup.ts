import { runOkSync } from "./run.js";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./paths.js";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The generated modules (runtime bundles, launcher templates) that src/ imports, and dist/ for
 * the tests that run the bin: built when missing or older than src/.
 */
export default function setup(): void {
  const built = join(REPO, "dist", "cli.js");
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(REPO, "src"))) return;
  runOkSync(process.execPath, [join(REPO, "scripts", "build.mjs")]);
}

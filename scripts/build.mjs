// Compiles src/ to dist/ atomically: into a temporary sibling first, then swapped in, so a
// CLI started during a build never finds dist/ half-written or missing.
import { execFileSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  // Installed as a dependency without devDependencies: dist/ ships prebuilt.
  process.exit(0);
}
execFileSync(process.execPath, [join(root, "scripts", "embed.mjs")], { stdio: "inherit" });
const dist = join(root, "dist");
const next = join(root, `dist.build-${process.pid}`);
const old = join(root, `dist.old-${process.pid}`);
try {
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json"), "--outDir", next], { stdio: "inherit" });
} catch (error) {
  rmSync(next, { recursive: true, force: true });
  throw error;
}
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });

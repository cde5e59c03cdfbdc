// Compiles src/ to dist/ atomically: into a temporary sibling first, then swapped in, so a
// CLI started during a build never finds dist/ half-written or missing.
//
// dist/ holds the library (tsc: one file per module, with types) and dist/bundle/, the command
// line: the same sources bundled by esbuild into a few chunks with their dependencies, because
// a CLI that runs in every postinstall and service start pays Node's module loading on each
// run (docs/performance.md). What is loaded only on some paths stays a lazy chunk; Babel, acorn
// and jiti stay packages (loaded on demand, jiti with its own lazy transpiler).
import { execFileSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

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
  bundleCli(join(next, "bundle"));
} catch (error) {
  rmSync(next, { recursive: true, force: true });
  throw error;
}
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });

/** The command line's entry and everything it imports, in chunks (lazy imports stay lazy). */
function bundleCli(outdir) {
  buildSync({
    entryPoints: { cli: join(root, "src", "cli.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    charset: "utf8",
    legalComments: "none",
    logLevel: "error",
    external: ["@babel/*", "acorn", "jiti", "oxc-parser"],
    // jsonc-parser's UMD main requires its own files at run time; its ES build bundles.
    alias: { "jsonc-parser": "jsonc-parser/lib/esm/main.js" },
    // Bundled CommonJS dependencies call require() for Node's built-ins.
    banner: {
      js: 'import { createRequire as __clawmendCreateRequire } from "node:module";\nconst require = __clawmendCreateRequire(import.meta.url);',
    },
  });
}

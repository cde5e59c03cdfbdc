// Compiles src/ to dist/ atomically: into a temporary sibling first, then swapped in, so a
// CLI started during a build never finds dist/ half-written or missing.
//
// dist/ holds the library (tsc: one file per module, with types) and dist/bundle/, the command
// line: the same sources bundled by esbuild into a few chunks with their dependencies, because
// a CLI that runs in every postinstall and service start pays Node's module loading on each
// run (docs/performance.md). What is loaded only on some paths stays a lazy chunk; Babel, acorn
// and jiti stay packages (loaded on demand, jiti with its own lazy transpiler).
//
// A build whose inputs (src/, these scripts, the TypeScript config, the manifest and the
// lockfile) are byte for byte those of dist/ is skipped: `npm ci` builds once (prepare), and
// `npm test` and the tests' global setup then find dist/ up to date. `--force` builds anyway.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
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
const dist = join(root, "dist");
/** The digest of the inputs dist/ was built from (not part of the published package). */
const INPUTS_FILE = ".build-inputs";
if (!process.argv.includes("--force") && isUpToDate()) {
  console.log("build: dist/ is up to date (its inputs are unchanged; --force rebuilds)");
  process.exit(0);
}
execFileSync(process.execPath, [join(root, "scripts", "embed.mjs")], { stdio: "inherit" });
const next = join(root, `dist.build-${process.pid}`);
const old = join(root, `dist.old-${process.pid}`);
try {
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json"), "--outDir", next], { stdio: "inherit" });
  bundleCli(join(next, "bundle"));
  writeFileSync(join(next, INPUTS_FILE), inputsDigest());
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

function isUpToDate() {
  try {
    return existsSync(join(dist, "cli.js")) && readFileSync(join(dist, INPUTS_FILE), "utf8") === inputsDigest();
  } catch {
    return false;
  }
}

/** sha256 over every input's path and bytes (src/ whole, generated modules included). */
function inputsDigest() {
  const files = [
    ...listFiles(join(root, "src")),
    ...["scripts/build.mjs", "scripts/embed.mjs", "tsconfig.json", "package.json", "package-lock.json"].map((f) => join(root, f)),
  ];
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(root, file)).update("\0");
    hash.update(existsSync(file) ? readFileSync(file) : "(none)").update("\0");
  }
  return hash.digest("hex");
}

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

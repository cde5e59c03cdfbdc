// Writes the generated modules that embed text other code inserts or runs: the JavaScript that
// runs inside OpenClaw (each built-in patch's helper/ and module/, with what they import from
// src/patches/runtime/, bundled by esbuild into self-contained text), the index of the built-in
// patches, the doctor's self-test script, the rebuild's copy worker, and the launcher's Python
// and bash (real files under src/launcher/templates/).
// Run by the build, the typecheck and the tests' global setup; the outputs are git-ignored.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The built-in patches, one folder each under src/patches/builtin/<id>/ (docs/architecture.md,
 * "Adding a patch"): its `spec.ts`, and what of it runs inside OpenClaw:
 * - `helper/<name>.ts`: code inserted into OpenClaw's own files, as the body of one helper
 *   function: plain declarations, no bundler plumbing, so a reviewer of the `--dry-run` diff
 *   reads the helper itself. The file exports one function, which the helper calls.
 * - `module/<name>.ts`: the code of a file of its own that the patch adds, bundled the same way
 *   (plain declarations); the file exports one function, which the module text calls.
 * Each folder that has either gets `embedded.generated.ts`; `index.generated.ts` lists every
 * folder's spec. Code several patches share stays in src/patches/runtime/.
 *
 * Examples (src/patches/examples/<id>/, `example: true`) are laid out the same way and built the
 * same way, with an index of their own that only the tests import: tsconfig.json leaves the
 * folder out of dist/, and nothing the command line or the library loads imports it, so an
 * example is never shipped.
 */
const BUILTIN = "src/patches/builtin";
const EXAMPLES = "src/patches/examples";
const SHARED_RUNTIME = "src/patches/runtime";

/** The `.ts` files under a folder (relative, sorted), none when it does not exist. */
function tsFiles(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".generated.ts"))
    .map((e) => relative(abs, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
}

/**
 * The folders of src/patches/builtin/ (or `base`), each with its `spec.ts`. A folder left with
 * nothing but what an earlier run generated (its patch was removed) is cleaned up and skipped.
 */
function patchFolders(base) {
  if (!existsSync(join(root, base))) return [];
  return readdirSync(join(root, base), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .filter((id) => {
      const dir = join(root, base, id);
      if (existsSync(join(dir, "spec.ts"))) return true;
      const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      if (files.some((e) => !e.name.endsWith(".generated.ts"))) throw new Error(`embed: ${base}/${id} has no spec.ts`);
      rmSync(dir, { recursive: true, force: true });
      return false;
    });
}

/** The one entry of a folder's `helper/` or `module/` (files it imports sit in subfolders), or null. */
function entryOf(folder, kind) {
  const dir = `${folder}/${kind}`;
  const entries = tsFiles(dir).filter((name) => !name.includes("/"));
  if (entries.length > 1) throw new Error(`embed: ${dir} holds ${entries.join(", ")}: one entry at most (imports go in a subfolder)`);
  return entries.length === 1 ? join(root, dir, entries[0]) : null;
}

/**
 * One entry bundled by esbuild into a single script's text. esbuild names each module it bundles
 * in a comment by its path relative to `absWorkingDir`: the repository, whatever directory the
 * build runs from, so the comment is the file's real path (`// src/patches/runtime/<name>.ts` for
 * shared code, `// src/patches/builtin/<id>/helper/<name>.ts` for a patch's own) and the text
 * is the same from every checkout.
 */
function bundleText(entry, options) {
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    charset: "utf8",
    legalComments: "none",
    write: false,
    logLevel: "error",
    ...options,
  });
  return result.outputFiles[0].text;
}

/**
 * A helper: the entry's declarations without its `export { … }` line, the function it exports
 * and that function's parameters (checked: one export, plain parameters, none shadowed by a
 * top-level declaration, as the helper passes its own parameters on under those names).
 */
function helperOf(entry) {
  const name = relative(root, entry);
  const text = bundleText(entry, { format: "esm", platform: "neutral", target: "es2020" });
  const exportLine = /^export \{\s*([\w$]+)\s*\};\n?$/m;
  const match = exportLine.exec(text);
  if (!match) throw new Error(`embed: ${name} must export exactly one function`);
  const exports = match[1];
  const body = text.replace(exportLine, "");
  if (/^(?:import|export)\b/m.test(body)) throw new Error(`embed: ${name} bundles an import or a second export`);
  const signature = new RegExp(`^function ${exports.replace(/\$/g, "\\$")}\\(([\\w$, ]*)\\) \\{$`, "m").exec(body);
  if (!signature) throw new Error(`embed: ${name} must export a function declaration with plain parameters`);
  const params = signature[1]
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const param of params) {
    if (new RegExp(`^(?:var|let|const|function|class) ${param}\\b`, "m").test(body)) {
      throw new Error(`embed: ${name} declares ${param} at its top level, which would shadow the helper's parameter`);
    }
  }
  return { exports, params, body };
}

function writeModule(path, header, values) {
  const body = Object.entries(values)
    .map(([name, text]) => `export const ${name}: string = ${JSON.stringify(text)};`)
    .join("\n");
  writeText(path, header, body);
}

/**
 * Writes a file (relative to the repository) whole, or not at all; an unchanged file is left
 * alone, so its time does not make dist/ look older than src/.
 */
function writeText(path, header, body) {
  const file = join(root, path);
  const text = `// Generated by scripts/embed.mjs from ${header}: do not edit.\n${body}\n`;
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** The doctor's self-test script: a standalone ES module the runtime's own Node runs. */
function selfTestScriptText(entry) {
  return bundleText(join(root, "src/doctor/self-test-script", entry), { format: "esm", platform: "node", target: "node22" });
}

writeModule("src/doctor/self-test-script.generated.ts", "src/doctor/self-test-script/*.ts", {
  selfTestScript: selfTestScriptText("self-test.ts"),
});

/** Each folder's `embedded.generated.ts`, and the index of `base` (every folder's default export, as `name`). */
function embedFolders(base, name, what) {
  const ids = patchFolders(base);
  for (const id of ids) {
    const folder = `${base}/${id}`;
    const helper = entryOf(folder, "helper");
    const module = entryOf(folder, "module");
    const values = [];
    if (helper) {
      const { exports, params, body } = helperOf(helper);
      values.push(
        `/** helper/: the function it exports, that function's parameters, and the helper's body. */\n` +
          `export const helper: { exports: string; params: readonly string[]; body: string } = { exports: ${JSON.stringify(exports)}, params: ${JSON.stringify(params)}, body: ${JSON.stringify(body)} };`,
      );
    }
    if (module) {
      // The same shape as a helper: the module's declarations, no bundler plumbing, and the
      // function the spec's module text calls after them.
      const { exports, body } = helperOf(module);
      values.push(
        `/** module/: the function it exports, and the module's declarations (its body). */\n` +
          `export const moduleCode: { exports: string; body: string } = { exports: ${JSON.stringify(exports)}, body: ${JSON.stringify(body)} };`,
      );
    }
    const generated = `${folder}/embedded.generated.ts`;
    const from = [helper, module].filter(Boolean).map((entry) => relative(root, entry).split("\\").join("/"));
    if (values.length > 0) writeText(generated, from.join(" and "), values.join("\n"));
    else rmSync(join(root, generated), { force: true });
  }
  if (ids.length === 0 && base !== BUILTIN) return;
  writeText(
    `${base}/index.generated.ts`,
    `${base}/*/spec.ts`,
    [
      `import type { Builtin } from "../builtin-patch.js";`,
      ...ids.map((id, i) => `import b${i} from "./${id}/spec.js";`),
      `/** ${what} */`,
      `export const ${name}: ReadonlyArray<{ folder: string; builtin: Builtin }> = [`,
      ...ids.map((id, i) => `  { folder: ${JSON.stringify(id)}, builtin: b${i} },`),
      `];`,
    ].join("\n"),
  );
}

embedFolders(BUILTIN, "BUILTIN_FOLDERS", `Every folder of ${BUILTIN}/, by name.`);
embedFolders(
  EXAMPLES,
  "EXAMPLE_FOLDERS",
  `Every folder of ${EXAMPLES}/, by name: for the tests, never shipped (tsconfig.json leaves them out).`,
);

/**
 * The rebuild's copy worker: a CommonJS script the worker pool starts with `eval`, so the same
 * text runs from src/, dist/ and the command line's bundle (no worker file to find or ship).
 */
writeModule("src/rebuild/copy-worker.generated.ts", "src/rebuild/copy-worker.ts", {
  copyWorkerScript: bundleText(join(root, "src/rebuild/copy-worker.ts"), { format: "cjs", platform: "node", target: "node22" }),
});

/** The prefilter's scan worker: started with `eval` like the copy worker. */
writeModule("src/engine/scan-worker.generated.ts", "src/engine/scan-worker.ts", {
  scanWorkerScript: bundleText(join(root, "src/engine/scan-worker.ts"), { format: "cjs", platform: "node", target: "node22" }),
});

const template = (name) => readFileSync(join(root, "src/launcher/templates", name), "utf8");
writeModule("src/launcher/templates.generated.ts", "src/launcher/templates/*", {
  preflightPython: template("preflight.py"),
  launchScriptTemplate: template("vllm-launch.sh"),
});

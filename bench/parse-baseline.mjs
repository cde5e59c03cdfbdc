// Baseline process for `npm run bench`: parse JavaScript files of a dist with Babel, the way a
// patcher without clawmend's levers would. Run as its own process so wall time and peak RSS
// are whole-process numbers, comparable with the clawmend runs.
//
//   node bench/parse-baseline.mjs all DIST              every .js/.mjs/.cjs file
//   node bench/parse-baseline.mjs prefilter DIST N1,N2  only files containing one of the needles
//
// Prints one JSON line: files seen, files parsed, bytes parsed, parse errors.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { parse } = require("@babel/parser");

const [mode, dist, needleList = ""] = process.argv.slice(2);
if ((mode !== "all" && mode !== "prefilter") || !dist) {
  console.error("usage: parse-baseline.mjs all|prefilter DIST [NEEDLE,...]");
  process.exit(2);
}
const needles = needleList.split(",").filter(Boolean);

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() && /\.(m|c)?js$/.test(entry.name)) yield path;
  }
}

let seen = 0;
let parsed = 0;
let bytes = 0;
let errors = 0;
for (const file of walk(dist)) {
  seen += 1;
  const buffer = readFileSync(file);
  if (mode === "prefilter" && !needles.some((n) => buffer.includes(n))) continue;
  const code = buffer.toString("utf8");
  parsed += 1;
  bytes += buffer.length;
  try {
    parse(code, {
      sourceType: file.endsWith(".cjs") ? "script" : "module",
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowUndeclaredExports: true,
      plugins: [["importAttributes", { deprecatedAssertSyntax: true }]],
    });
  } catch {
    try {
      parse(code, {
        sourceType: "unambiguous",
        allowReturnOutsideFunction: true,
        plugins: [["importAttributes", { deprecatedAssertSyntax: true }]],
      });
    } catch {
      errors += 1;
    }
  }
}
console.log(JSON.stringify({ mode, seen, parsed, bytes, errors }));

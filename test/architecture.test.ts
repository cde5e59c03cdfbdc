/**
 * The layers of src/ import only downwards, and no module imports itself through others:
 * every `import` (static, dynamic, type-only) of every file, read with TypeScript's own
 * pre-processor, against the table below (docs/architecture.md draws it). And the tests start
 * child processes through one module, test/support/run.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "./support/cli.js";

const SRC = join(REPO, "src");

/** What a command may reach: every layer below it. */
const COMMAND_LAYERS = [
  "core",
  "config",
  "discover",
  "transforms",
  "verify",
  "engine",
  "patches",
  "system",
  "launcher",
  "rebuild",
  "heal",
  "doctor",
  "api",
];

/** Each layer and the layers it may import (its own files are always allowed). */
const LAYERS: Record<string, readonly string[]> = {
  core: [],
  config: ["core"],
  discover: ["core"],
  transforms: ["core"],
  verify: ["core"],
  engine: ["core", "discover", "transforms", "verify"],
  "patches/runtime": [],
  "doctor/self-test-script": [],
  patches: ["core", "config", "transforms", "patches/runtime"],
  system: ["core"],
  launcher: ["core", "config", "system"],
  rebuild: ["core", "discover", "engine", "verify"],
  heal: ["core", "engine", "verify", "rebuild"],
  doctor: ["core", "config", "discover", "engine", "verify", "patches", "patches/runtime", "doctor/self-test-script", "system", "launcher"],
  api: ["core", "config", "discover", "transforms", "verify", "engine", "patches"],
  commands: COMMAND_LAYERS,
  entry: [...COMMAND_LAYERS, "commands"],
};

function layerOf(file: string): string {
  const rel = relative(SRC, file).split("\\").join("/");
  if (rel === "index.ts") return "api"; // the library: what `import ... from "clawmend"` gets
  if (!rel.includes("/")) return "entry"; // cli.ts
  // A built-in's (or an example's) helper/ and module/ run inside OpenClaw, like the shared patches/runtime/.
  if (rel.startsWith("patches/runtime/") || /^patches\/(?:builtin|examples)\/[^/]+\/(?:helper|module)\//.test(rel))
    return "patches/runtime";
  if (rel.startsWith("doctor/self-test-script/")) return "doctor/self-test-script";
  return rel.slice(0, rel.indexOf("/"));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every file of src/ and the files of src/ it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
    graph.set(file, targets);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(SRC, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

describe("architecture", () => {
  const graph = importGraph();

  it("knows every folder of src/", () => {
    const unknown = [...graph.keys()].map(layerOf).filter((layer) => !(layer in LAYERS));
    expect(unknown).toEqual([]);
  });

  it("every import runs downwards", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      for (const target of targets) {
        const to = layerOf(target);
        if (to !== from && !LAYERS[from]!.includes(to))
          upward.push(`${relative(SRC, file)} (${from}) imports ${relative(SRC, target)} (${to})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("no module imports itself through others", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("imports resolve to files that exist", () => {
    const missing = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => !graph.has(t)).map((t) => `${relative(SRC, file)} → ${relative(SRC, t)}`),
    );
    expect(missing).toEqual([]);
  });
});

/** Files under test/ that import a value (not only types) from Node's child_process module. */
function childProcessImporters(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && importsChildProcessValue(readFileSync(path, "utf8")))
        found.push(relative(REPO, path));
    }
  };
  walk(join(REPO, "test"));
  return found.sort();
}

const CHILD_PROCESS = /^(node:)?child_process$/;

/** A static import of a value, a dynamic `import()` or a `require()` of child_process. */
function importsChildProcessValue(text: string): boolean {
  if (!text.includes("child_process")) return false;
  const source = ts.createSourceFile("file.ts", text, ts.ScriptTarget.Latest, true);
  const staticValue = source.statements.some((statement) => {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) return false;
    if (!CHILD_PROCESS.test(statement.moduleSpecifier.text)) return false;
    const clause = statement.importClause;
    if (!clause) return true;
    if (clause.isTypeOnly) return false;
    if (clause.name) return true;
    const bindings = clause.namedBindings;
    return !bindings || ts.isNamespaceImport(bindings) || bindings.elements.some((element) => !element.isTypeOnly);
  });
  const loaded = (node: ts.Node): boolean => {
    if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      const loader =
        node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require");
      if (loader && first && ts.isStringLiteralLike(first) && CHILD_PROCESS.test(first.text)) return true;
    }
    return ts.forEachChild(node, loaded) ?? false;
  };
  return staticValue || loaded(source);
}

describe("tests", () => {
  it("start child processes only through test/support/run.ts", () => {
    expect(childProcessImporters()).toEqual(["test/support/run.ts"]);
  });

  it("the check sees value imports, import() and require(), and lets type-only imports through", () => {
    expect(importsChildProcessValue('import { spawn } from "node:child_process";')).toBe(true);
    expect(importsChildProcessValue('import cp from "child_process";')).toBe(true);
    expect(importsChildProcessValue('import * as cp from "node:child_process";')).toBe(true);
    expect(importsChildProcessValue('import { type ChildProcess, execFileSync } from "node:child_process";')).toBe(true);
    expect(importsChildProcessValue('import "node:child_process";')).toBe(true);
    expect(importsChildProcessValue('const cp = await import("node:child_process");')).toBe(true);
    expect(importsChildProcessValue('const cp = require("child_process");')).toBe(true);
    expect(importsChildProcessValue('import type { ChildProcess } from "node:child_process";')).toBe(false);
    expect(importsChildProcessValue('import { type ChildProcess } from "node:child_process";')).toBe(false);
  });
});

import { createRequire } from "node:module";
import type { ParserOptions } from "@babel/parser";
import type { File } from "@babel/types";

type Parse = typeof import("@babel/parser").parse;
let babelParse: Parse | undefined;
/**
 * @babel/parser, loaded on the first parse: a run whose files all match the manifest (no-op,
 * verify) never pays for loading it.
 */
function parse(code: string, options: ParserOptions): File {
  babelParse ??= (createRequire(import.meta.url)("@babel/parser") as typeof import("@babel/parser")).parse;
  return babelParse(code, options) as File;
}

export interface ParseFailure {
  message: string;
  line: number;
  column: number;
}

const baseOptions: ParserOptions = {
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowUndeclaredExports: true,
  errorRecovery: false,
  // Built dist needs no JSX/TS; import attributes (`with { type: "json" }`) do occur.
  plugins: [["importAttributes", { deprecatedAssertSyntax: true }]],
  // Offsets, not locations, drive edits; locations are computed lazily for reports.
  ranges: false,
  tokens: false,
  // No transform reads leading/trailing comments off nodes (markers are found in the text).
  attachComment: false,
};

/** Parses built JavaScript (ESM or CJS, with or without a shebang). */
export function parseProgram(code: string, format: "esm" | "cjs"): File | ParseFailure {
  try {
    return parse(code, { ...baseOptions, sourceType: format === "esm" ? "module" : "script" });
  } catch (first) {
    if (format === "cjs") {
      // A `.js` CJS-typed file may still use import/export (bundlers emit such files).
      try {
        return parse(code, { ...baseOptions, sourceType: "module" });
      } catch {
        /* report the first error */
      }
    }
    return toFailure(first);
  }
}

function toFailure(error: unknown): ParseFailure {
  const thrown = error as { message?: string; loc?: { line: number; column: number } };
  const message = (thrown.message ?? String(error)).replace(/\s*\(\d+:\d+\)$/, "");
  return { message, line: thrown.loc?.line ?? 0, column: thrown.loc?.column ?? 0 };
}

export function isParseFailure(value: File | ParseFailure): value is ParseFailure {
  return !("program" in value);
}

// ---------------------------------------------------------------------------------------------
// Lazy Babel for the transforms. Loading @babel/traverse (with @babel/types) costs more than the
// whole steady-state run (no-op re-run, --verify) on a real tree, where nothing is parsed.
// Transforms that import these instead of the packages load Babel on their first use only.

type TraverseFn = typeof import("@babel/traverse").default;
type VisitorKeys = typeof import("@babel/types").VISITOR_KEYS;

let loadedTraverse: TraverseFn | undefined;
function realTraverse(): TraverseFn {
  if (!loadedTraverse) {
    // CommonJS: under NodeNext its default export may arrive as `{ default }`.
    const mod = createRequire(import.meta.url)("@babel/traverse") as TraverseFn & { default?: TraverseFn };
    loadedTraverse = mod.default ?? mod;
  }
  return loadedTraverse;
}

/** `@babel/traverse`'s default export (callable, with `.cache`, `.visitors`, …), loaded on first use. */
export const traverse: TraverseFn = new Proxy(function lazyTraverse() {} as unknown as TraverseFn, {
  apply: (_target, self, args) => Reflect.apply(realTraverse(), self, args),
  get: (_target, key) => Reflect.get(realTraverse(), key),
  has: (_target, key) => Reflect.has(realTraverse(), key),
});

let loadedKeys: VisitorKeys | undefined;
function realVisitorKeys(): VisitorKeys {
  return (loadedKeys ??= (createRequire(import.meta.url)("@babel/types") as typeof import("@babel/types")).VISITOR_KEYS);
}

/** `@babel/types`' `VISITOR_KEYS`, loaded on first use. */
export const VISITOR_KEYS: VisitorKeys = new Proxy({} as VisitorKeys, {
  get: (_target, key) => Reflect.get(realVisitorKeys(), key),
  has: (_target, key) => Reflect.has(realVisitorKeys(), key),
  ownKeys: () => Reflect.ownKeys(realVisitorKeys()),
  getOwnPropertyDescriptor: (_target, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(realVisitorKeys(), key);
    return descriptor ? { ...descriptor, configurable: true } : undefined;
  },
});

import { parse, type ParserOptions } from "@babel/parser";
import type { File } from "@babel/types";

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
  const e = error as { message?: string; loc?: { line: number; column: number } };
  const message = (e.message ?? String(error)).replace(/\s*\(\d+:\d+\)$/, "");
  return { message, line: e.loc?.line ?? 0, column: e.loc?.column ?? 0 };
}

export function isParseFailure(value: File | ParseFailure): value is ParseFailure {
  return !("program" in value);
}

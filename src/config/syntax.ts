import { parse } from "@babel/parser";
import { codeFrame } from "../core/code-frame.js";
import { ClawmendError } from "../core/errors.js";

/** The config file's syntax error as `file:line:col: message` with a code frame, or null when it parses. */
export function syntaxError(file: string, source: string): ClawmendError | null {
  try {
    parse(source, { sourceType: "module", plugins: /\.m?ts$/.test(file) ? ["typescript"] : [], errorRecovery: false });
    return null;
  } catch (error) {
    const e = error as { message?: string; loc?: { line: number; column: number } };
    if (!e.loc) return null;
    const message = (e.message ?? "syntax error").replace(/\s*\(\d+:\d+\)$/, "");
    const frame = codeFrame(source, e.loc.line, e.loc.column);
    return ClawmendError.usage(`${file}:${e.loc.line}:${e.loc.column + 1}: ${message}`, frame);
  }
}

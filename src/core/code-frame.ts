import { createRequire } from "node:module";

type CodeFrameColumns = typeof import("@babel/code-frame").codeFrameColumns;
let loaded: CodeFrameColumns | undefined;
/** Loaded on the first frame only: a run that refuses nothing never loads it. */
function codeFrameColumns(...args: Parameters<CodeFrameColumns>): string {
  loaded ??= (createRequire(import.meta.url)("@babel/code-frame") as typeof import("@babel/code-frame")).codeFrameColumns;
  return loaded(...args);
}

/** Columns of a source line shown around the error; a minified line is cut to this window. */
const WINDOW = 96;
const CUT = "…";

/**
 * Babel's code frame of `source` at `line` (1-based) and `column` (0-based), one line above and
 * below. Lines longer than the window (a bundler's minified output) are cut to the same
 * `WINDOW` columns around the error, marked with `…`, so the frame stays a few short lines;
 * shorter lines are shown whole.
 */
export function codeFrame(source: string, line: number, column: number): string {
  const lines = source.split(/\r?\n/);
  const first = Math.max(1, line - 1);
  const last = Math.min(lines.length, line + 1);
  const longest = Math.max(...lines.slice(first - 1, last).map((text) => text.length));
  if (longest <= WINDOW) return codeFrameColumns(source, { start: { line, column: column + 1 } }, frameOptions);

  const start = Math.max(0, Math.min(column - Math.floor(WINDOW / 2), longest - WINDOW));
  const windowed = lines.slice(first - 1, last).map((text) => {
    if (text.length <= WINDOW) return text; // a short line beside the long one is shown whole
    const shown = text.slice(start, start + WINDOW);
    return (start > 0 ? CUT : "") + shown + (text.length > start + WINDOW ? CUT : "");
  });
  const shift = start > 0 ? CUT.length - start : 0;
  // Line numbers stay the file's: the lines above the frame are kept as empty lines.
  const padded = [...Array.from({ length: first - 1 }, () => ""), ...windowed].join("\n");
  return codeFrameColumns(padded, { start: { line, column: column + shift + 1 } }, frameOptions);
}

const frameOptions = { highlightCode: false, linesAbove: 1, linesBelow: 1 } as const;

/** Where things are in a text: offsets, lines and columns. */

/** 1-based line and 0-based column of an offset (what Babel's locations and the reports use). */
export function lineColumn(code: string, offset: number): { line: number; column: number } {
  const starts = lineStarts(code);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! };
}

/** The offsets where the lines of the last text asked about start (a file's sites are located one after another). */
let lastLines: { code: string; starts: number[] } | undefined;

function lineStarts(code: string): number[] {
  if (lastLines?.code !== code) {
    const starts = [0];
    for (let lineBreak = code.indexOf("\n"); lineBreak !== -1; lineBreak = code.indexOf("\n", lineBreak + 1)) starts.push(lineBreak + 1);
    lastLines = { code, starts };
  }
  return lastLines.starts;
}

/** Every offset where one of `needles` starts, sorted. */
export function offsetsOf(code: string, needles: readonly string[]): number[] {
  const out: number[] = [];
  for (const needle of needles) {
    for (let at = code.indexOf(needle); at !== -1; at = code.indexOf(needle, at + 1)) out.push(at);
  }
  return out.sort((a, b) => a - b);
}

/** Where things are in a text: offsets, lines and columns. */

/** 1-based line and 0-based column of an offset (what Babel's locations and the reports use). */
export function lineColumn(code: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let lineBreak = code.indexOf("\n"); lineBreak !== -1 && lineBreak < offset; lineBreak = code.indexOf("\n", lineBreak + 1)) {
    line += 1;
    lineStart = lineBreak + 1;
  }
  return { line, column: offset - lineStart };
}

/** Every offset where one of `needles` starts, sorted. */
export function offsetsOf(code: string, needles: readonly string[]): number[] {
  const out: number[] = [];
  for (const needle of needles) {
    for (let at = code.indexOf(needle); at !== -1; at = code.indexOf(needle, at + 1)) out.push(at);
  }
  return out.sort((a, b) => a - b);
}

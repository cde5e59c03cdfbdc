/** Where things are in a text: offsets, lines and columns. */

/** 1-based line and 0-based column of an offset (what Babel's locations and the reports use). */
export function lineColumn(code: string, offset: number): { line: number; column: number } {
  const starts = lineStarts(code);
  const line = firstIndex(starts.length, (index) => starts[index]! > offset); // the first line starting after it, 1-based
  return { line, column: offset - starts[line - 1]! };
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

/** The first index in [0, length) from which `reached` holds (it holds from some index on), else length. */
export function firstIndex(length: number, reached: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (reached(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Where the function bodies of a file are: what a partial parse blanks. Located by oxc when it
 * can run here (`oxc-parse.ts`), else by acorn (`locate-acorn.ts`); both give the same answer
 * (held side by side on the fixtures and on the published bundles).
 */
export interface FunctionBodies {
  /** Per body, sorted by `start`: start of what owns it (the function, or the declarator/assignment/property naming it). */
  owner: number[];
  /** Per body: offset of `{` and offset just past `}`. Block bodies only. */
  start: number[];
  end: number[];
  /** Offsets of the file's line terminators (blanking keeps them). */
  lineBreaks: number[];
}

/** Bodies in the order a parser finishes or visits them. */
export type RecordedBodies = Omit<FunctionBodies, "lineBreaks">;

/** Recorded bodies sorted by start, with the file's line breaks. */
export function sortedBodies(code: string, recorded: RecordedBodies): FunctionBodies {
  const order = recorded.start.map((_, i) => i).sort((a, b) => recorded.start[a]! - recorded.start[b]!);
  return {
    owner: order.map((i) => recorded.owner[i]!),
    start: order.map((i) => recorded.start[i]!),
    end: order.map((i) => recorded.end[i]!),
    lineBreaks: lineBreakOffsets(code),
  };
}

function lineBreakOffsets(code: string): number[] {
  const out: number[] = [];
  const pattern = /[\n\r\u2028\u2029]/g;
  for (let match = pattern.exec(code); match !== null; match = pattern.exec(code)) out.push(match.index);
  return out;
}

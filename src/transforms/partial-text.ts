import type { FollowedName } from "../core/spec.js";
import type { FunctionBodies } from "./function-bodies.js";
import { firstIndex, offsetsOf } from "./position.js";

/**
 * The text a large file is partially parsed from: once its function bodies are located
 * (`function-bodies.ts`), the bodies that hold nothing a transform reads are blanked
 * (`blankBodies`), offsets and lines kept. `plan.ts` runs the transforms on Babel's parse of it.
 */

/** `code` with some function bodies blanked: same length, same line breaks, same offsets. */
export interface PartialText {
  text: string;
  /** Blanked ranges (inside the braces), sorted, disjoint. */
  hidden: Array<[number, number]>;
}

/**
 * Blanks the inside of every outermost function body whose function holds none of `needles`
 * and no reference to a `followed` name: it becomes spaces (line breaks kept). A blanked body
 * declares nothing outside itself, so every binding and reference outside it resolves as in
 * the whole file.
 */
export function blankBodies(
  code: string,
  bodies: FunctionBodies,
  needles: readonly string[],
  followed: readonly FollowedName[],
): PartialText {
  const kept = [...offsetsOf(code, needles), ...nameOffsets(code, followed)].sort((a, b) => a - b);
  const parts: string[] = [];
  const hidden: Array<[number, number]> = [];
  let copied = 0;
  for (let i = 0; i < bodies.start.length; i += 1) {
    const from = bodies.start[i]! + 1;
    const to = bodies.end[i]! - 1;
    if (from <= copied || to - from < MIN_BLANK) continue; // inside a blanked body, or too small to matter
    if (holdsOffset(kept, bodies.owner[i]!, to + 1)) continue;
    parts.push(code.slice(copied, from), blank(code, bodies.lineBreaks, from, to));
    hidden.push([from, to]);
    copied = to;
  }
  parts.push(code.slice(copied));
  return { text: parts.join(""), hidden };
}

/** Bodies shorter than this are left as they are: blanking them saves Babel nothing. */
const MIN_BLANK = 64;

/** The followed names that are referenced, within their scope, inside a hidden range. */
export function hiddenNames(code: string, hidden: PartialText["hidden"], followed: readonly FollowedName[]): FollowedName[] {
  if (followed.length === 0 || hidden.length === 0) return [];
  return followed.filter((one) => nameOffsets(code, [one]).some((at) => insideHidden(hidden, at)));
}

function insideHidden(hidden: PartialText["hidden"], at: number): boolean {
  const first = firstIndex(hidden.length, (index) => hidden[index]![1] > at);
  return first < hidden.length && hidden[first]![0] <= at;
}

/** Offsets of each name written as a whole identifier inside its scope. */
function nameOffsets(code: string, followed: readonly FollowedName[]): number[] {
  const out: number[] = [];
  for (const { name, start, end } of followed) {
    const pattern = new RegExp(
      `(?<![\\p{ID_Continue}$\\u200c\\u200d])${name.replace(/[$]/g, "\\$")}(?![\\p{ID_Continue}$\\u200c\\u200d])`,
      "gu",
    );
    pattern.lastIndex = start;
    for (let match = pattern.exec(code); match !== null && match.index < end; match = pattern.exec(code)) out.push(match.index);
  }
  return out;
}

/** Whether a sorted offset lies in [from, to). */
function holdsOffset(sorted: readonly number[], from: number, to: number): boolean {
  const first = firstIndex(sorted.length, (index) => sorted[index]! >= from);
  return first < sorted.length && sorted[first]! < to;
}

/** Spaces for code[from, to), keeping its line breaks where they were. */
function blank(code: string, breaks: readonly number[], from: number, to: number): string {
  let out = "";
  let at = from;
  for (let i = firstIndex(breaks.length, (index) => breaks[index]! >= from); i < breaks.length && breaks[i]! < to; i += 1) {
    out += " ".repeat(breaks[i]! - at) + code[breaks[i]!];
    at = breaks[i]! + 1;
  }
  return out + " ".repeat(to - at);
}

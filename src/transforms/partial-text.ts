import { createRequire } from "node:module";
import type { Node as AcornNode, Options as AcornOptions } from "acorn";
import type { FollowedName } from "../core/spec.js";
import { offsetsOf } from "./position.js";

/**
 * The text a large file is partially parsed from: acorn locates the file's function bodies
 * (`locateFunctionBodies`), and the bodies that hold nothing a transform reads are blanked
 * (`blankBodies`), offsets and lines kept. `plan.ts` runs the transforms on Babel's parse of it.
 */

/**
 * Where the function bodies of a file are, found by one acorn pass that keeps no AST: each body
 * is dropped as soon as it is parsed, so a 50 MB bundle costs a few hundred MB, not several GB.
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

/** Bodies in the order acorn finishes them (inner before outer). */
type Recorded = Omit<FunctionBodies, "lineBreaks">;

type AcornParser = typeof import("acorn").Parser;
let bodyLocator: AcornParser | undefined;

/**
 * acorn, extended to record block bodies and drop them. Redeclaration checks are left to
 * Babel, which parses the result: acorn keeps declared names in arrays, which is quadratic in
 * the 60,000 top-level declarations of a scope-hoisted bundle.
 */
function locator(): AcornParser {
  if (bodyLocator) return bodyLocator;
  const { Parser } = createRequire(import.meta.url)("acorn") as typeof import("acorn");
  interface Internals {
    parseFunctionBody(node: AcornNode, isArrow: boolean, isMethod: boolean, forInit: boolean): void;
    finishNode(node: AcornNode, type: string): AcornNode;
  }
  bodyLocator = Parser.extend((Base) => {
    const base = Base as unknown as new (...args: unknown[]) => Internals & { bodies: Recorded };
    return class extends base {
      declareName(): void {}
      checkLocalExport(): void {}
      override parseFunctionBody(node: AcornNode, isArrow: boolean, isMethod: boolean, forInit: boolean): void {
        super.parseFunctionBody(node, isArrow, isMethod, forInit);
        const fn = node as AcornNode & { body: AcornNode | null; bodyIndex?: number };
        const body = fn.body!;
        if (body.type === "BlockStatement") {
          fn.bodyIndex = this.bodies.start.length;
          this.bodies.owner.push(fn.start);
          this.bodies.start.push(body.start);
          this.bodies.end.push(body.end);
        }
        fn.body = null;
      }
      override finishNode(node: AcornNode, type: string): AcornNode {
        const done = super.finishNode(node, type) as AcornNode & Record<string, unknown>;
        const value = (done[OWNED_VALUE[type] ?? ""] ?? null) as (AcornNode & { bodyIndex?: number }) | null;
        if (value?.bodyIndex !== undefined) this.bodies.owner[value.bodyIndex] = done.start;
        return done;
      }
    } as unknown as AcornParser;
  });
  return bodyLocator;
}

/** Nodes that name the function they hold, and where they hold it. */
const OWNED_VALUE: Record<string, string> = {
  VariableDeclarator: "init",
  AssignmentExpression: "right",
  AssignmentPattern: "right",
  Property: "value",
  MethodDefinition: "value",
  PropertyDefinition: "value",
};

/** The function bodies of `code`, or null when acorn cannot parse it (Babel then parses it whole). */
export function locateFunctionBodies(code: string, format: "esm" | "cjs"): FunctionBodies | null {
  const options: AcornOptions = {
    ecmaVersion: "latest",
    sourceType: format === "esm" ? "module" : "script",
    allowHashBang: true,
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
  };
  const attempts: AcornOptions[] = format === "cjs" ? [options, { ...options, sourceType: "module" }] : [options];
  for (const attempt of attempts) {
    const recorded: Recorded = { owner: [], start: [], end: [] };
    const Locator = locator() as unknown as new (options: AcornOptions, input: string) => { bodies: Recorded; parse(): unknown };
    const parser = new Locator(attempt, code);
    parser.bodies = recorded;
    try {
      parser.parse();
    } catch {
      continue; // try the next source type, then give up
    }
    const order = recorded.start.map((_, i) => i).sort((a, b) => recorded.start[a]! - recorded.start[b]!);
    return {
      owner: order.map((i) => recorded.owner[i]!),
      start: order.map((i) => recorded.start[i]!),
      end: order.map((i) => recorded.end[i]!),
      lineBreaks: lineBreakOffsets(code),
    };
  }
  return null;
}

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

/** The first index in [0, length) from which `reached` holds (it holds from some index on), else length. */
function firstIndex(length: number, reached: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (reached(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
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

function lineBreakOffsets(code: string): number[] {
  const out: number[] = [];
  const pattern = /[\n\r\u2028\u2029]/g;
  for (let match = pattern.exec(code); match !== null; match = pattern.exec(code)) out.push(match.index);
  return out;
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

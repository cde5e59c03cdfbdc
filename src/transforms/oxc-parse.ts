import { createRequire } from "node:module";
import type { CommentRanges } from "./comments.js";
import { sortedBodies, type FunctionBodies, type RecordedBodies } from "./function-bodies.js";

/**
 * One parse of a file by oxc (native code) that is read lazily: only what is asked for, its
 * comments or its function bodies, is taken out of oxc's buffer. Several times faster than acorn
 * on OpenClaw's megabyte bundles. Where oxc cannot run (no binding for the platform, no raw
 * transfer) or does not parse a file, the caller does what it did without it.
 */
export interface OxcParsed {
  comments(): CommentRanges;
  /** The block function bodies, as `locate-acorn.ts` finds them; null if oxc's visitor is not the one this was written for. */
  functionBodies(): FunctionBodies | null;
}

type Oxc = typeof import("oxc-parser");
type LazyResult = ReturnType<Oxc["parseSync"]> & { visit(visitor: unknown): void; dispose(): void };
type LazyVisitor = new (handlers: Record<string, (node: LazyNode) => void>) => unknown;
/** The few fields read off oxc's lazy nodes. */
interface LazyNode {
  type: string;
  start: number;
  end: number;
  [field: string]: unknown;
}

let oxc: { parser: Oxc; Visitor: LazyVisitor } | null | undefined;

function loadOxc(): typeof oxc {
  if (oxc === undefined) {
    try {
      const parser = createRequire(import.meta.url)("oxc-parser") as Oxc & { experimentalGetLazyVisitor(): LazyVisitor };
      oxc = parser.rawTransferSupported() ? { parser, Visitor: parser.experimentalGetLazyVisitor() } : null;
    } catch {
      oxc = null;
    }
  }
  return oxc;
}

/** Whether oxc can run here (it is then loaded). */
export function oxcAvailable(): boolean {
  return loadOxc() !== null;
}

/**
 * Parses `code` with oxc and hands the parse to `use`, or returns null when oxc cannot run here
 * or reports an error in `code`: a syntax error, and with `earlyErrors` also what Babel refuses
 * beyond syntax (a redeclaration, `with` in a module), which a file must not have to be skipped
 * for its comments. A CommonJS file is tried as a script, then as a module, as acorn and Babel
 * try it here.
 */
export function withOxcParse<T>(
  code: string,
  format: "esm" | "cjs",
  { earlyErrors }: { earlyErrors: boolean },
  use: (parsed: OxcParsed) => T,
): T | null {
  const loaded = loadOxc();
  if (!loaded) return null;
  for (const sourceType of format === "cjs" ? (["commonjs", "module"] as const) : (["module"] as const)) {
    const options = { lang: "js", sourceType, preserveParens: false, showSemanticErrors: earlyErrors, experimentalLazy: true };
    const result = loaded.parser.parseSync("file.js", code, options as Parameters<Oxc["parseSync"]>[2]) as LazyResult;
    try {
      if (result.errors.length > 0) continue;
      return use({
        comments: () => result.comments.map((comment) => [comment.start, comment.end] as const),
        functionBodies: () => visitBodies(code, result, loaded.Visitor),
      });
    } finally {
      result.dispose();
    }
  }
  return null;
}

const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

/**
 * Block bodies and their owners. The owner of a function that is the value of a declarator,
 * assignment, default or property is where that starts (acorn's ESTree names those
 * VariableDeclarator, AssignmentExpression, AssignmentPattern, Property, MethodDefinition,
 * PropertyDefinition; oxc's visitor names the kinds of its own AST).
 */
function visitBodies(code: string, result: LazyResult, Visitor: LazyVisitor): FunctionBodies | null {
  const recorded: RecordedBodies = { owner: [], start: [], end: [] };
  const ownerOf = new Map<number, number>();
  const own = (owner: LazyNode, value: unknown) => {
    const fn = value as LazyNode | null | undefined;
    if (fn && FUNCTION_TYPES.has(fn.type)) ownerOf.set(fn.start, owner.start);
  };
  const fn = (node: LazyNode) => {
    const body = node.body as LazyNode | null;
    if (body?.type !== "FunctionBody") return; // an arrow's expression body, or none
    recorded.owner.push(node.start);
    recorded.start.push(body.start);
    recorded.end.push(body.end);
  };
  let visitor: unknown;
  try {
    visitor = new Visitor({
      Function: fn,
      ArrowFunctionExpression: fn,
      VariableDeclarator: (node) => own(node, node.init),
      AssignmentExpression: (node) => own(node, node.right),
      AssignmentPattern: (node) => own(node, node.right),
      AssignmentTargetWithDefault: (node) => own(node, node.init),
      AssignmentTargetPropertyIdentifier: (node) => own(node, node.init),
      FormalParameters: (node) => {
        for (const parameter of node.items as LazyNode[]) own(parameter.pattern as LazyNode, parameter.initializer);
      },
      ObjectProperty: (node) => own(node, node.value),
      MethodDefinition: (node) => own(node, node.value),
      PropertyDefinition: (node) => own(node, node.value),
    });
  } catch {
    return null; // a version of oxc whose visitor names other kinds
  }
  result.visit(visitor);
  recorded.owner = recorded.owner.map((start) => ownerOf.get(start) ?? start);
  return sortedBodies(code, recorded);
}

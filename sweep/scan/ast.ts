/**
 * Acorn, and the little the sweep's scanners need on top of it: a parse that tries the file's
 * module format first and the other one second, and the children of a node. Nothing here is
 * shared with clawmend's transforms (they use Babel): the sweep's counts must not inherit their
 * mistakes.
 */
import { parse, type Node as AcornNode } from "acorn";

/** An ESTree node as acorn builds it, read loosely. */
export interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

export type Format = "esm" | "cjs";

export type Parsed = { program: Node; error?: undefined } | { program?: undefined; error: string };

/** The program of `code`, or the parse error of the format Node would load it as. */
export function parseProgram(code: string, format: Format): Parsed {
  const attempt = (sourceType: "module" | "script"): Parsed => {
    try {
      const ast: AcornNode = parse(code, {
        ecmaVersion: "latest",
        sourceType,
        allowHashBang: true,
        allowReturnOutsideFunction: sourceType === "script",
        allowAwaitOutsideFunction: sourceType === "module",
      });
      return { program: ast as unknown as Node };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  const first = attempt(format === "esm" ? "module" : "script");
  if (first.program) return first;
  const second = attempt(format === "esm" ? "script" : "module");
  return second.program ? second : first;
}

export function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** The child nodes of `node`, in source order. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item);
    } else if (isNode(value)) out.push(value);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** A string a literal or an expression-free template spells, else null. */
export function staticString(node: Node | null | undefined): string | null {
  if (!node) return null;
  if (node.type === "Literal" && typeof node.value === "string") return node.value;
  if (node.type === "TemplateLiteral" && (node.expressions as Node[]).length === 0) {
    const quasis = node.quasis as Array<{ value: { cooked: string | null } }>;
    return quasis[0]?.value.cooked ?? null;
  }
  return null;
}

/** The name a member expression reads (`a.b`, `a["b"]`), else null. */
export function memberName(node: Node): string | null {
  if (node.type !== "MemberExpression") return null;
  const property = node.property as Node;
  if (!node.computed && property.type === "Identifier") return property.name as string;
  if (node.computed) return staticString(property);
  return null;
}

/** The 1-based line of each offset in `code`, for offsets given in ascending order. */
export function linesAt(code: string, offsets: readonly number[]): number[] {
  const out: number[] = [];
  let line = 1;
  let at = 0;
  for (const offset of offsets) {
    for (let nl = code.indexOf("\n", at); nl !== -1 && nl < offset; nl = code.indexOf("\n", nl + 1)) {
      line += 1;
      at = nl + 1;
    }
    out.push(line);
  }
  return out;
}

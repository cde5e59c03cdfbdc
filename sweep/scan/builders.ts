/**
 * The sweep's own count of chat-completions payload builders in one file: what the vLLM tool
 * gate must wrap, found without any of the gate's code. A builder is a function with at least
 * one parameter bound to `buildOpenAICompletionsParams` or `buildOpenAICompletionsRequest`
 * anywhere, or to `buildParams` in an `openai-completions` file (pi-ai's other providers have
 * a `buildParams` of their own), a bundler's `$1` suffix aside; declarations, `const x =
 * function/arrow` and `x = function/arrow` count (an object's method is not a builder: the
 * fixtures' `no-params-decoy.js`). A pass-through (every value it
 * returns is another builder's call) is not counted: it is gated where that builder lives.
 */
import { childrenOf, memberName, type Node } from "./ast.js";

const EVERYWHERE = new Set(["buildOpenAICompletionsParams", "buildOpenAICompletionsRequest"]);
const BUILD_PARAMS = "buildParams";

export interface BuilderCount {
  /** Start offsets of the builders the gate must wrap. */
  offsets: number[];
  /** Start offsets of pass-throughs (not counted). */
  passThrough: number[];
}

function plainName(name: string): string {
  return name.replace(/\$\d+$/, "");
}

export function countBuilders(program: Node, file: string): BuilderCount {
  const names = new Set(EVERYWHERE);
  if (/openai-completions/.test(file)) names.add(BUILD_PARAMS);
  const isBuilderName = (name: string | null) => name !== null && names.has(plainName(name));
  const offsets: number[] = [];
  const passThrough: number[] = [];
  const visit = (node: Node, parent: Node | null): void => {
    if (isFunction(node) && (node.params as Node[]).length > 0 && isBuilderName(boundName(node, parent))) {
      (isPassThrough(node, isBuilderName) ? passThrough : offsets).push(node.start);
    }
    for (const child of childrenOf(node)) visit(child, node);
  };
  visit(program, null);
  return { offsets, passThrough };
}

function isFunction(node: Node): boolean {
  return node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression";
}

function boundName(fn: Node, parent: Node | null): string | null {
  if (fn.id) return (fn.id as Node).name as string;
  if (!parent) return null;
  if (parent.type === "VariableDeclarator" && (parent.id as Node).type === "Identifier") return (parent.id as Node).name as string;
  if (parent.type === "AssignmentExpression") {
    const left = parent.left as Node;
    return left.type === "Identifier" ? (left.name as string) : memberName(left);
  }
  return null;
}

/** Every value the function returns (its own returns, or an arrow's expression body). */
function returnedValues(fn: Node): Array<Node | null> {
  const body = fn.body as Node;
  if (body.type !== "BlockStatement") return [body];
  const out: Array<Node | null> = [];
  const visit = (node: Node): void => {
    if (isFunction(node) || node.type === "ClassBody") return;
    if (node.type === "ReturnStatement") out.push((node.argument as Node | null) ?? null);
    for (const child of childrenOf(node)) visit(child);
  };
  for (const stmt of body.body as Node[]) visit(stmt);
  return out;
}

function isPassThrough(fn: Node, isBuilderName: (name: string | null) => boolean): boolean {
  const values = returnedValues(fn);
  return (
    values.length > 0 &&
    values.every((v) => {
      if (!v || v.type !== "CallExpression") return false;
      const callee = v.callee as Node;
      return isBuilderName(callee.type === "Identifier" ? (callee.name as string) : memberName(callee));
    })
  );
}

import type { Binding, NodePath } from "@babel/traverse";
import type { Expression, Function as BabelFunction, Node } from "@babel/types";
import type { Site, SourceTransform, SourceTransformInput, SourceTransformResult } from "../core/spec.js";
import { ensureHelper } from "./helper.js";
import { traverse } from "./parse.js";

export interface WrapReturnValuesOptions<Options> {
  /** Names a target function is bound to (declaration, `const name = function/arrow`, `name = function`). */
  functionNames: readonly string[];
  /** Name of the function every return value is passed through, with the target's first parameter. */
  helperName: string;
  /** One self-contained `function <helperName>(value, firstParam)` declaration, carrying `marker`. */
  helperSource: (options: Options, marker: string) => string;
  /**
   * Leave alone a function whose every return value is a call of an imported binding: a thin
   * wrapper that re-exports another package's builder, which is patched where it lives.
   * Default true.
   */
  skipImportDelegates?: boolean;
}

interface Candidate {
  path: NodePath<BabelFunction>;
  name: string;
}

/**
 * Wraps each `return <expr>` of the named functions (and the expression body of an arrow) as
 * `<helper>(<expr>, <firstParam>)`, inserting text only, and appends the helper declaration
 * once per file (function declarations hoist). Returns of nested functions are left alone.
 *
 * Found by AST and scope: the function is recognised by the name it is bound to and by having
 * a first parameter (functions without one are not targets); the first parameter must be a
 * plain identifier that every wrapped return can see (not shadowed), otherwise the file is
 * reported `ambiguous` rather than guessed at. A return whose value already is a call of the
 * helper is an `already` site.
 */
export function wrapReturnValues<Options>(options: WrapReturnValuesOptions<Options>): SourceTransform<Options> {
  const names = new Set(options.functionNames);
  const skipDelegates = options.skipImportDelegates ?? true;
  return {
    kind: "wrap-return-values",
    prefilter: [...options.functionNames],
    reads: [...options.functionNames],
    apply(input: SourceTransformInput<Options>): SourceTransformResult {
      const candidates = findCandidates(input, names);
      const sites: Site[] = [];
      const problems: string[] = [];
      const targets = new Set<Node>(candidates.map((candidate) => candidate.path.node));
      for (const candidate of candidates) {
        const outcome = wrapOne(input, candidate, options.helperName, skipDelegates, targets);
        if (typeof outcome === "string") problems.push(outcome);
        else if (outcome) sites.push(outcome);
      }
      if (problems.length > 0) return { sites: [], ambiguous: problems.join("; ") };
      if (sites.length > 0) {
        ensureHelper(input.code, input.ast.program, input.edit, options.helperName, () =>
          options.helperSource(input.options, input.marker),
        );
      }
      return { sites };
    },
  };
}

function findCandidates(input: SourceTransformInput<unknown>, names: ReadonlySet<string>): Candidate[] {
  const found: Candidate[] = [];
  traverse(input.ast, {
    Function(path) {
      const name = boundName(path);
      if (name !== null && names.has(name) && path.node.params.length > 0) found.push({ path, name });
    },
  });
  return found;
}

/** The name a function is bound to, or null when it is anonymous, a method or a computed slot. */
function boundName(path: NodePath<BabelFunction>): string | null {
  const node = path.node;
  if ((node.type === "FunctionDeclaration" || node.type === "FunctionExpression") && node.id) return node.id.name;
  if (node.type !== "FunctionExpression" && node.type !== "ArrowFunctionExpression") return null;
  const parent = path.parent;
  if (parent.type === "VariableDeclarator" && parent.init === node && parent.id.type === "Identifier") return parent.id.name;
  if (parent.type === "AssignmentExpression" && parent.right === node && parent.operator === "=" && parent.left.type === "Identifier") {
    return parent.left.name;
  }
  return null;
}

/** Returns a site, null when the function is deliberately left alone, or a problem text. */
function wrapOne(
  input: SourceTransformInput<unknown>,
  candidate: Candidate,
  helperName: string,
  skipDelegates: boolean,
  targets: ReadonlySet<Node>,
): Site | null | string {
  const { path, name } = candidate;
  const fn = path.node;
  const at = fn.loc!.start;
  const where = `${name}() at ${input.file}:${at.line}`;
  const first = fn.params[0]!;
  const param =
    first.type === "Identifier" ? first : first.type === "AssignmentPattern" && first.left.type === "Identifier" ? first.left : null;
  if (!param) {
    return `${where}: its first parameter is a ${first.type}, not a plain name, so the model cannot be passed to the gate`;
  }
  if (fn.generator) return `${where} is a generator: its return value is not the request payload`;
  const binding = path.scope.getOwnBinding(param.name);
  if (!binding) return `${where}: no binding for its first parameter \`${param.name}\``;

  const values = returnValues(path);
  if (values.length === 0) return null;
  // A pass-through: the value is gated where it is built (another target here, or the package it imports).
  if (values.every((value) => callsOtherTarget(value.path, targets, path.node))) return null;
  if (skipDelegates && values.every((value) => callsImport(value.path))) return null;

  const pending: Array<{ value: Expression }> = [];
  let already = 0;
  for (const value of values) {
    if (isHelperCall(value.path.node, helperName)) {
      already += 1;
      continue;
    }
    if (value.path.scope.getBinding(param.name) !== binding) {
      const line = value.path.node.loc?.start.line ?? at.line;
      return `${where}: \`${param.name}\` is shadowed at the return on line ${line}`;
    }
    pending.push({ value: value.path.node });
  }
  for (const { value } of pending) wrapExpression(input, value, helperName, param.name);
  const what = `${pending.length + already} return value(s) of ${name}(${param.name}, …)`;
  return { line: at.line, column: at.column, state: pending.length > 0 ? "patched" : "already", what };
}

interface ReturnValue {
  path: NodePath<Expression>;
}

/** Values the function itself returns: `return <expr>` outside nested functions, or an arrow's expression body. */
function returnValues(path: NodePath<BabelFunction>): ReturnValue[] {
  const body = path.get("body") as NodePath;
  if (body.isExpression()) return [{ path: body }];
  const out: ReturnValue[] = [];
  body.traverse({
    Function(inner) {
      inner.skip();
    },
    // Class bodies hold methods and field initialisers: their returns are not ours.
    Class(inner) {
      inner.skip();
    },
    ReturnStatement(ret) {
      const argument = ret.get("argument");
      if (argument.hasNode()) out.push({ path: argument as NodePath<Expression> });
    },
  });
  return out;
}

function isHelperCall(node: Node, helperName: string): boolean {
  return node.type === "CallExpression" && node.callee.type === "Identifier" && node.callee.name === helperName;
}

/** `f(…)` where `f` is bound to another target function of this file. */
function callsOtherTarget(path: NodePath<Expression>, targets: ReadonlySet<Node>, self: Node): boolean {
  const node = path.node;
  if (node.type !== "CallExpression" || node.callee.type !== "Identifier") return false;
  const binding = path.scope.getBinding(node.callee.name);
  if (!binding) return false;
  const decl = binding.path.node;
  const fn = decl.type === "VariableDeclarator" ? decl.init : decl;
  return fn !== null && fn !== undefined && fn !== self && targets.has(fn);
}

/** `imported(…)` or `ns.member(…)` where the callee's root binding comes from an import or require. */
function callsImport(path: NodePath<Expression>): boolean {
  let node: Node = path.node;
  if (node.type === "AwaitExpression") node = node.argument;
  if (node.type !== "CallExpression") return false;
  let callee: Node = node.callee;
  while (callee.type === "MemberExpression" && !callee.computed) callee = callee.object;
  if (callee.type !== "Identifier") return false;
  const binding: Binding | undefined = path.scope.getBinding(callee.name);
  if (!binding) return false;
  if (binding.kind === "module") return true;
  const decl = binding.path.node;
  return (
    decl.type === "VariableDeclarator" &&
    decl.init?.type === "CallExpression" &&
    decl.init.callee.type === "Identifier" &&
    decl.init.callee.name === "require"
  );
}

/** `<expr>` → `<marker><helper>(<expr>, <param>)`; a comma expression keeps its own parentheses. */
function wrapExpression(input: SourceTransformInput<unknown>, value: Expression, helperName: string, paramName: string): void {
  const comma = value.type === "SequenceExpression";
  input.edit.appendLeft(value.start!, `${input.marker}${helperName}(${comma ? "(" : ""}`);
  input.edit.prependRight(value.end!, `${comma ? ")" : ""}, ${paramName})`);
}

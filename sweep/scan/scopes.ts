/**
 * A small scope resolver of the sweep's own (ESTree, from acorn): which declaration each
 * identifier refers to, and where values flow into names (`const x = …`, `x = …`, imports).
 * Approximate where dists never go (sloppy-mode block functions, `with`, `eval`), exact where
 * they do (shadowing by parameters, blocks, catch clauses, function names).
 */
import { childrenOf, type Node } from "./ast.js";

export interface Binding {
  name: string;
  scope: Scope;
}

export interface Scope {
  parent: Scope | null;
  isFunction: boolean;
  bindings: Map<string, Binding>;
}

export interface Reference {
  node: Node;
  scope: Scope;
  write: boolean;
  /** `export { name }` without a source: the name leaves the file. */
  exported: boolean;
}

/** A value stored into a pattern: a declarator's init, an assignment's right side. */
export interface Flow {
  target: Node;
  value: Node;
  scope: Scope;
}

export interface ImportedName {
  binding: Binding;
  source: string;
  /** `default`, `*` or the imported name. */
  imported: string;
}

export interface ScopeInfo {
  references: Reference[];
  flows: Flow[];
  imports: ImportedName[];
  /** Member expressions with the scope they appear in and their parent. */
  members: Array<{ node: Node; scope: Scope; parent: Node }>;
  /** The binding an identifier (a reference recorded here) resolves to, or null for a global. */
  bindingOf(identifier: Node): Binding | null;
}

function newScope(parent: Scope | null, isFunction: boolean): Scope {
  return { parent, isFunction, bindings: new Map() };
}

function functionScopeOf(scope: Scope): Scope {
  let s = scope;
  while (!s.isFunction && s.parent) s = s.parent;
  return s;
}

function declare(scope: Scope, name: string): Binding {
  const existing = scope.bindings.get(name);
  if (existing) return existing;
  const binding = { name, scope };
  scope.bindings.set(name, binding);
  return binding;
}

function lookup(scope: Scope, name: string): Binding | null {
  for (let s: Scope | null = scope; s; s = s.parent) {
    const b = s.bindings.get(name);
    if (b) return b;
  }
  return null;
}

export function analyseScopes(program: Node): ScopeInfo {
  const references: Reference[] = [];
  const flows: Flow[] = [];
  const imports: ImportedName[] = [];
  const members: ScopeInfo["members"] = [];
  const scopeOfRef = new Map<Node, Scope>();

  const reference = (node: Node, scope: Scope, write = false, exported = false) => {
    references.push({ node, scope, write, exported });
    scopeOfRef.set(node, scope);
  };

  /**
   * Walks a binding or assignment pattern: `onName` gets each name it stores into; defaults and
   * computed keys are read in `scope`, and a member it stores into (`a.b = …`) is visited there.
   */
  const walkPattern = (pattern: Node, parent: Node, scope: Scope, onName: (id: Node) => void): void => {
    const inner = (p: Node, up: Node) => walkPattern(p, up, scope, onName);
    switch (pattern.type) {
      case "Identifier":
        onName(pattern);
        return;
      case "ObjectPattern":
        for (const prop of pattern.properties as Node[]) {
          if (prop.type === "RestElement") inner(prop.argument as Node, prop);
          else {
            if (prop.computed) visit(prop.key as Node, prop, scope);
            inner(prop.value as Node, prop);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of pattern.elements as Array<Node | null>) if (el) inner(el, pattern);
        return;
      case "RestElement":
        inner(pattern.argument as Node, pattern);
        return;
      case "AssignmentPattern":
        inner(pattern.left as Node, pattern);
        visit(pattern.right as Node, pattern, scope);
        return;
      default:
        visit(pattern, parent, scope);
    }
  };

  /** Declares the names a pattern binds in `declareIn`; its defaults are read in `readIn`. */
  const bindPattern = (pattern: Node, declareIn: Scope, readIn: Scope): void =>
    walkPattern(pattern, pattern, readIn, (id) => {
      declare(declareIn, id.name as string);
      scopeOfRef.set(id, declareIn);
    });

  /** The names an assignment's left side writes (existing names, and members it stores into). */
  const writePattern = (pattern: Node, parent: Node, scope: Scope): void =>
    walkPattern(pattern, parent, scope, (id) => reference(id, scope, true));

  const visitFunction = (fn: Node, outer: Scope): void => {
    const scope = newScope(outer, true);
    if (fn.type === "FunctionExpression" && fn.id) declare(scope, (fn.id as Node).name as string);
    for (const param of fn.params as Node[]) bindPattern(param, scope, scope);
    const body = fn.body as Node;
    if (body.type === "BlockStatement") for (const stmt of body.body as Node[]) visit(stmt, body, scope);
    else visit(body, fn, scope);
  };

  const visit = (node: Node, parent: Node, scope: Scope): void => {
    switch (node.type) {
      case "Identifier":
        reference(node, scope);
        return;
      case "FunctionDeclaration":
        if (node.id) declare(scope, (node.id as Node).name as string);
        visitFunction(node, scope);
        return;
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        visitFunction(node, scope);
        return;
      case "ClassDeclaration":
      case "ClassExpression": {
        let inner = scope;
        if (node.id) {
          if (node.type === "ClassDeclaration") declare(scope, (node.id as Node).name as string);
          else inner = newScope(scope, false);
          declare(inner, (node.id as Node).name as string);
        }
        if (node.superClass) visit(node.superClass as Node, node, inner);
        visit(node.body as Node, node, inner);
        return;
      }
      case "VariableDeclaration": {
        const declareIn = node.kind === "var" ? functionScopeOf(scope) : scope;
        for (const d of node.declarations as Node[]) {
          bindPattern(d.id as Node, declareIn, scope);
          if (d.init) {
            visit(d.init as Node, d, scope);
            flows.push({ target: d.id as Node, value: d.init as Node, scope });
          }
        }
        return;
      }
      case "AssignmentExpression":
        writePattern(node.left as Node, node, scope);
        visit(node.right as Node, node, scope);
        if (node.operator === "=") flows.push({ target: node.left as Node, value: node.right as Node, scope });
        return;
      case "UpdateExpression":
        if ((node.argument as Node).type === "Identifier") reference(node.argument as Node, scope, true);
        else visit(node.argument as Node, node, scope);
        return;
      case "BlockStatement":
      case "StaticBlock": {
        const inner = newScope(scope, false);
        for (const stmt of node.body as Node[]) visit(stmt, node, inner);
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
      case "SwitchStatement": {
        const inner = newScope(scope, false);
        for (const child of childrenOf(node)) visit(child, node, inner);
        return;
      }
      case "CatchClause": {
        const inner = newScope(scope, false);
        if (node.param) bindPattern(node.param as Node, inner, inner);
        for (const stmt of (node.body as Node).body as Node[]) visit(stmt, node.body as Node, inner);
        return;
      }
      case "ImportDeclaration": {
        const source = (node.source as Node).value as string;
        for (const spec of node.specifiers as Node[]) {
          const local = spec.local as Node;
          const binding = declare(scope, local.name as string);
          scopeOfRef.set(local, scope);
          const imported =
            spec.type === "ImportDefaultSpecifier"
              ? "default"
              : spec.type === "ImportNamespaceSpecifier"
                ? "*"
                : (((spec.imported as Node).name ?? (spec.imported as Node).value) as string);
          imports.push({ binding, source, imported });
        }
        return;
      }
      case "ExportNamedDeclaration":
        if (node.declaration) visit(node.declaration as Node, node, scope);
        else if (!node.source) for (const spec of node.specifiers as Node[]) reference(spec.local as Node, scope, false, true);
        return;
      case "ExportAllDeclaration":
        return;
      case "MemberExpression":
        members.push({ node, scope, parent });
        visit(node.object as Node, node, scope);
        if (node.computed) visit(node.property as Node, node, scope);
        return;
      case "Property":
      case "PropertyDefinition":
      case "MethodDefinition":
        if (node.computed) visit(node.key as Node, node, scope);
        if (node.value) visit(node.value as Node, node, scope);
        return;
      case "LabeledStatement":
        visit(node.body as Node, node, scope);
        return;
      case "BreakStatement":
      case "ContinueStatement":
      case "MetaProperty":
      case "PrivateIdentifier":
        return;
      default:
        for (const child of childrenOf(node)) visit(child, node, scope);
    }
  };

  const moduleScope = newScope(null, true);
  for (const stmt of program.body as Node[]) visit(stmt, program, moduleScope);

  return {
    references,
    flows,
    imports,
    members,
    bindingOf(identifier: Node): Binding | null {
      const scope = scopeOfRef.get(identifier);
      return scope ? lookup(scope, identifier.name as string) : null;
    },
  };
}

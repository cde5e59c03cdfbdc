import type { Binding, NodePath, Scope } from "@babel/traverse";
import type { ImportSpecifier, Node, Program, Statement } from "@babel/types";
import { VISITOR_KEYS } from "./parse.js";

/**
 * How a file loads a Node built-in module (`os`): the shapes of import, require and bundler
 * interop that yield the module or one of its exports. Recognised through Babel scopes, never
 * by name text alone.
 */

/** The built-in module being looked for. */
export interface BuiltinModule {
  /** The specifiers that load it: `os` and `node:os`. */
  specifiers: ReadonlySet<string>;
  /** The export of interest: a named import of it holds the export, not the module. */
  exportName: string;
}

/** How a binding holds the built-in: the module itself, or the export. */
export type Holds = "module" | "export";

/**
 * Top-level names declared by statements that are not in the program being read (a pruned
 * program leaves some out, see `prune.ts`), each with its initialiser. Such a name is declared,
 * not a global, even though no scope binds it. Empty when the whole program is read.
 */
export type DeclaredOutside = ReadonlyMap<string, Node | null>;

/** Bundler interop wrappers that keep the module's exports on the result (and `.default`). */
const INTEROP = /^(__toESM|__importStar|__importDefault|_interopRequireDefault|_interopRequireWildcard|__toCommonJS)(\$\d+)?$/;
/** The require function a bundler runtime chunk exports and chunks import by this local name. */
const BUNDLER_REQUIRE = /^__require(\$\d+)?$/;

/**
 * The bindings of the module's import declarations: a default or namespace import holds the
 * module, a named import of the export holds the export, a named import of `default` the module.
 */
export function importedBindings(program: NodePath<Program>, builtin: BuiltinModule): Array<[Binding, Holds]> {
  const found: Array<[Binding, Holds]> = [];
  for (const statement of program.get("body")) {
    if (!statement.isImportDeclaration() || !builtin.specifiers.has(statement.node.source.value)) continue;
    for (const specifier of statement.get("specifiers")) {
      const binding = statement.scope.getBinding(specifier.node.local.name);
      if (!binding) continue;
      if (specifier.isImportDefaultSpecifier() || specifier.isImportNamespaceSpecifier()) found.push([binding, "module"]);
      else if (specifier.isImportSpecifier()) {
        const imported = specifier.node.imported;
        const name = imported.type === "Identifier" ? imported.name : imported.value;
        if (name === builtin.exportName) found.push([binding, "export"]);
        else if (name === "default") found.push([binding, "module"]);
      }
    }
  }
  return found;
}

/**
 * The expressions whose value is the module, made by a call on a specifier literal starting at
 * one of `offsets`: `require(...)`, a `createRequire(...)`-made require, the bundler's
 * `__require`, `process.getBuiltinModule(...)` or `import(...)`; taken with an enclosing
 * `await` and interop wrappers such as `__toESM(...)`. In the order of `offsets`.
 */
export function loadedModuleValues(
  program: NodePath<Program>,
  offsets: readonly number[],
  builtin: BuiltinModule,
  declaredOutside: DeclaredOutside,
): NodePath[] {
  const values: NodePath[] = [];
  const body = program.node.body;
  for (const offset of offsets) {
    const literal = literalAt(program, body, offset);
    if (!literal) continue;
    const value = moduleExpression(literal, builtin, declaredOutside);
    if (value) values.push(value);
  }
  return values;
}

/** The value of a string literal, or of a template literal without expressions; else null. */
export function literalValue(node: Node): string | null {
  if (node.type === "StringLiteral") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0 && node.quasis.length === 1)
    return node.quasis[0]!.value.cooked ?? null;
  return null;
}

/** The string or template literal starting at `offset` in the program, if any. */
function literalAt(program: NodePath<Program>, body: readonly Statement[], offset: number): NodePath | null {
  const index = body.findIndex((statement) => statement.start! <= offset && offset < statement.end!);
  if (index === -1) return null;
  let path: NodePath = program.get(`body.${index}`) as NodePath;
  for (;;) {
    const node = path.node;
    if (node.start === offset && (node.type === "StringLiteral" || node.type === "TemplateLiteral")) return path;
    const step = childContaining(node, offset);
    if (!step) return null;
    path = path.get(step) as NodePath;
  }
}

/** The key (`key` or `key.index`) of the child of `node` that contains `offset`, if any. */
function childContaining(node: Node, offset: number): string | null {
  const keys = VISITOR_KEYS[node.type] ?? [];
  for (const key of keys) {
    const child = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i += 1) {
        const element = child[i] as Node | null;
        if (element && element.start! <= offset && offset < element.end!) return `${key}.${i}`;
      }
    } else if (child && typeof child === "object") {
      const childNode = child as Node;
      if (childNode.start! <= offset && offset < childNode.end!) return key;
    }
  }
  return null;
}

/** The expression whose value is the module, given its specifier literal; null when not a load. */
function moduleExpression(literal: NodePath, builtin: BuiltinModule, declaredOutside: DeclaredOutside): NodePath | null {
  const specifier = literalValue(literal.node);
  if (specifier === null || !builtin.specifiers.has(specifier)) return null;
  const parent = literal.parentPath;
  if (!parent) return null;
  let value: NodePath | null = null;
  if (parent.isImportExpression() && parent.node.source === literal.node) value = parent;
  else if (parent.isCallExpression() && parent.node.arguments[0] === literal.node) {
    const callee = parent.get("callee");
    if (callee.isImport() || isRequireLike(callee as NodePath, declaredOutside) || isGetBuiltinModule(callee as NodePath, declaredOutside))
      value = parent;
  }
  if (!value) return null;
  // Unwrap `await import(...)`, interop wrappers `__toESM(require("os"), 1)` and parentheses.
  for (;;) {
    const up: NodePath | null = value.parentPath;
    if (!up) break;
    if (up.isAwaitExpression()) value = up;
    else if (
      up.isCallExpression() &&
      up.node.arguments[0] === value.node &&
      up.node.callee.type === "Identifier" &&
      INTEROP.test(up.node.callee.name)
    )
      value = up;
    else break;
  }
  return value;
}

function isDefaultImportOfProcess(path: NodePath): boolean {
  if (!path.isImportDefaultSpecifier() && !(path.isImportSpecifier() && importedName(path.node) === "default")) return false;
  const source = (path.parent as { source?: { value?: string } }).source?.value;
  return source === "process" || source === "node:process";
}

function importedName(specifier: ImportSpecifier): string {
  return specifier.imported.type === "Identifier" ? specifier.imported.name : specifier.imported.value;
}

/** `require`, a `createRequire(...)`-made require, or the bundler runtime's `__require`. */
function isRequireLike(callee: NodePath, declaredOutside: DeclaredOutside): boolean {
  if (callee.isCallExpression()) return isCreateRequireCall(callee.node, callee.scope); // createRequire(import.meta.url)("os")
  if (!callee.isIdentifier()) return false;
  const name = callee.node.name;
  const binding = callee.scope.getBinding(name);
  if (!binding) {
    if (declaredOutside.has(name)) {
      const init = declaredOutside.get(name) ?? null;
      return init !== null && isCreateRequireCall(init, callee.scope.getProgramParent());
    }
    return name === "require";
  }
  if (binding.kind === "param") return name === "require";
  if (binding.kind === "module") {
    // `import { i as __require } from "./chunk-*.js"`: the bundler's runtime require.
    return BUNDLER_REQUIRE.test(name) || name === "require";
  }
  const declaration = binding.path.node;
  if (declaration.type === "VariableDeclarator" && declaration.init) return isCreateRequireCall(declaration.init, binding.path.scope);
  return false;
}

/**
 * `createRequire(...)` (the `node:module` export under any local name, resolved through
 * `scope`), `module.createRequire(...)`, or `(() => createRequire(...))()`.
 */
function isCreateRequireCall(node: Node, scope: Scope): boolean {
  if (node.type !== "CallExpression") return false;
  const callee = node.callee;
  if (callee.type === "Identifier") {
    const binding = scope.getBinding(callee.name);
    if (binding?.kind === "module" && binding.path.isImportSpecifier()) {
      const imported = binding.path.node.imported;
      const source = (binding.path.parent as { source?: { value?: string } }).source?.value;
      return (
        (imported.type === "Identifier" ? imported.name : imported.value) === "createRequire" &&
        (source === "module" || source === "node:module")
      );
    }
    return callee.name === "createRequire";
  }
  if (callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier") {
    return callee.property.name === "createRequire";
  }
  if ((callee.type === "ArrowFunctionExpression" || callee.type === "FunctionExpression") && node.arguments.length === 0) {
    const body = callee.body;
    if (body.type !== "BlockStatement") return isCreateRequireCall(body, scope);
    const returned = body.body.length === 1 && body.body[0]!.type === "ReturnStatement" ? body.body[0]!.argument : null;
    return !!returned && isCreateRequireCall(returned, scope);
  }
  return false;
}

/**
 * `process.getBuiltinModule` of Node's `process`: the global (no binding, none pruned away), a
 * default import of `node:process`, or `globalThis.process`.
 */
function isGetBuiltinModule(callee: NodePath, declaredOutside: DeclaredOutside): boolean {
  const member = callee.node;
  if (
    member.type !== "MemberExpression" ||
    member.computed ||
    member.property.type !== "Identifier" ||
    member.property.name !== "getBuiltinModule"
  )
    return false;
  const object = member.object;
  if (object.type === "Identifier") {
    const binding = callee.scope.getBinding(object.name);
    if (!binding) return object.name === "process" && !declaredOutside.has("process");
    return isDefaultImportOfProcess(binding.path);
  }
  return (
    object.type === "MemberExpression" && !object.computed && object.property.type === "Identifier" && object.property.name === "process"
  );
}

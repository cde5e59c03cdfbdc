import type { Binding, NodePath, Scope } from "@babel/traverse";
import type { File, Node, Program, Statement, VariableDeclaration } from "@babel/types";
import type { FollowedName, Site, SourceTransform, SourceTransformInput, SourceTransformResult } from "../core/spec.js";
import { ensureHelper } from "./helper.js";
import { traverse, VISITOR_KEYS } from "./parse.js";
import { offsetsOf } from "./position.js";

export interface WrapBuiltinExportOptions<Options> {
  /** Node builtin module name without the `node:` scheme, e.g. `os`. */
  module: string;
  /** The export to guard, e.g. `networkInterfaces`. */
  exportName: string;
  /** Name of the function every use is passed through: `helper(value, self)`. */
  helperName: string;
  /** One self-contained `function <helperName>(fn, self)` declaration, carrying `marker`. */
  helperSource: (options: Options, marker: string) => string;
  /**
   * Resolve scopes on the top-level statements that can matter only (default true): a
   * statement holding neither the export name nor a module specifier can hold no site and no
   * binding of the module. The rest of the program is never visited, which keeps minified
   * bundles of several MB cheap. `false` traverses the whole program (tests compare both).
   */
  prune?: boolean;
}

/** What the resolution passes read of the options. */
type Names = Pick<WrapBuiltinExportOptions<unknown>, "module" | "exportName" | "helperName" | "prune">;

/** How a binding holds the builtin. */
type Holds = "module" | "export";

interface Ctx {
  input: SourceTransformInput<unknown>;
  options: Names;
  specifiers: ReadonlySet<string>;
  /** Top-level names declared by statements left out of the pruned program, with their initialiser. */
  prunedDeclarations: ReadonlyMap<string, Node | null>;
  bindings: Map<Binding, Holds>;
  sites: Site[];
  seen: Set<Node>;
  /** Insertions, applied once the last resolution pass is done: `[offset, text, side]`. */
  edits: Array<[number, string, "left" | "right"]>;
}

/** Bundler interop wrappers that keep the module's exports on the result (and `.default`). */
const INTEROP = /^(__toESM|__importStar|__importDefault|_interopRequireDefault|_interopRequireWildcard|__toCommonJS)(\$\d+)?$/;
/** The require function a bundler runtime chunk exports and chunks import by this local name. */
const BUNDLER_REQUIRE = /^__require(\$\d+)?$/;

/**
 * Wraps every use of a Node builtin's export, e.g. `os.networkInterfaces`, as
 * `helper(os.networkInterfaces, os)` (inserting text only) and appends the helper declaration
 * once per file (function declarations hoist in ESM and CJS).
 *
 * The module is recognised through its bindings, resolved with Babel scopes, never by name
 * text: default, namespace and named imports of `"os"`/`"node:os"`; `require(...)`,
 * `process.getBuiltinModule(...)`, requires made by `createRequire(...)` and the bundler's
 * `__require` (string or template-literal specifier), also through interop wrappers such as
 * `__toESM(...)`; destructuring of the export from any of them. Each reference to the export
 * through such a binding is wrapped where it is used: calls, values passed along, default
 * parameters, property values (a shorthand property gets its key written out). Writes to the
 * export are left alone. A use that already is the first argument of the helper is `already`.
 */
export function wrapBuiltinExport<Options>(options: WrapBuiltinExportOptions<Options>): SourceTransform<Options> {
  const specifiers = new Set([options.module, `node:${options.module}`]);
  const needles = [...specifiers].flatMap((s) => ['"', "'", "`"].map((q) => `${q}${s}${q}`));
  return {
    kind: "wrap-builtin-export",
    prefilter: [options.exportName],
    reads: [options.exportName, ...needles],
    apply(input: SourceTransformInput<Options>): SourceTransformResult {
      const { code } = input;
      const specifierOffsets = offsetsOf(code, needles);
      if (specifierOffsets.length === 0) return { sites: [] };
      const exportOffsets = offsetsOf(code, [options.exportName]);
      if (exportOffsets.length === 0) return { sites: [] };
      const offsets = [...specifierOffsets, ...exportOffsets].sort((a, b) => a - b);
      let ctx: Ctx;
      try {
        ctx = resolveAll(input, options, specifiers, specifierOffsets, offsets);
      } catch (error) {
        // Scope analysis refused the file (Babel reports e.g. duplicate declarations): say so
        // rather than guess; the engine reports `ambiguous` and writes nothing for this file.
        traverse.cache.clear();
        return { sites: [], ambiguous: `could not resolve scopes: ${(error as Error).message}` };
      }

      for (const [at, text, side] of ctx.edits) {
        if (side === "left") input.edit.appendLeft(at, text);
        else input.edit.prependRight(at, text);
      }
      ctx.sites.sort((a, b) => a.line - b.line || a.column - b.column);
      if (ctx.sites.length > 0) {
        ensureHelper(input.code, input.ast.program, input.edit, options.helperName, () =>
          options.helperSource(input.options, input.marker),
        );
      }
      return { sites: ctx.sites, followed: [...ctx.bindings.keys()].map(followedName) };
    },
  };
}

function followedName(binding: Binding): FollowedName {
  const scope = binding.scope.block;
  return { name: binding.identifier.name, start: scope.start!, end: scope.end! };
}

function resolveAll(
  input: SourceTransformInput<unknown>,
  options: Names,
  specifiers: ReadonlySet<string>,
  specifierOffsets: readonly number[],
  offsets: readonly number[],
): Ctx {
  const ctx = resolve(input, options, specifiers, specifierOffsets, offsets);
  if (options.prune === false) return ctx;
  // A top-level binding of the export under another local name (`import { x as ni }`,
  // `const { x: ni } = os`) is used where the export's name is not written: keep the
  // statements that mention that name too, and resolve again.
  const aliases = [...ctx.bindings]
    .filter(([b, holds]) => holds === "export" && b.identifier.name !== options.exportName && b.scope.path.isProgram())
    .map(([b]) => b.identifier.name);
  if (aliases.length === 0) return ctx;
  const more = offsetsOf(input.code, aliases);
  return resolve(
    input,
    options,
    specifiers,
    specifierOffsets,
    [...offsets, ...more].sort((a, b) => a - b),
  );
}

function resolve(
  input: SourceTransformInput<unknown>,
  options: Names,
  specifiers: ReadonlySet<string>,
  specifierOffsets: readonly number[],
  offsets: readonly number[],
): Ctx {
  const prunedDeclarations = new Map<string, Node | null>();
  const program = options.prune === false ? input.ast.program : prunedProgram(input.ast.program, offsets, prunedDeclarations);
  const ctx: Ctx = { input, options, specifiers, prunedDeclarations, bindings: new Map(), sites: [], seen: new Set(), edits: [] };
  const file: File = { ...input.ast, program };
  // Start from fresh path/scope caches (an earlier transform may have crawled the whole
  // program) and leave fresh ones behind (this crawl resets nested scopes it visits).
  traverse.cache.clear();
  traverse(file, {
    Program(path) {
      collect(ctx, path, specifierOffsets);
      path.stop();
    },
  });
  traverse.cache.clear();
  return ctx;
}

/**
 * The program restricted to what can matter: every import declaration, and each top-level
 * statement (for `var`/`let`/`const` lists: each declarator) that contains one of `offsets`.
 * Nodes are the original ones (offsets stay valid); names declared by what is left out are
 * recorded so that they are never mistaken for globals.
 */
function prunedProgram(program: Program, offsets: readonly number[], declared: Map<string, Node | null>): Program {
  const body: Statement[] = [];
  let next = 0; // index into sorted offsets
  for (const statement of program.body) {
    const start = statement.start!;
    const end = statement.end!;
    while (next < offsets.length && offsets[next]! < start) next += 1;
    const holds = next < offsets.length && offsets[next]! < end;
    if (statement.type === "ImportDeclaration") {
      body.push(statement);
    } else if (!holds) {
      recordDeclared(statement, declared);
    } else if (statement.type === "VariableDeclaration" && statement.declarations.length > 1) {
      const kept = statement.declarations.filter((d) => {
        const inside = offsets.some((o) => o >= d.start! && o < d.end!);
        if (!inside && d.id.type === "Identifier") declared.set(d.id.name, d.init ?? null);
        return inside;
      });
      body.push({ ...statement, declarations: kept } as VariableDeclaration);
    } else {
      body.push(statement);
    }
  }
  return { ...program, body };
}

function recordDeclared(statement: Statement, declared: Map<string, Node | null>): void {
  const s =
    statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration" ? statement.declaration : statement;
  if (!s) return;
  if ((s.type === "FunctionDeclaration" || s.type === "ClassDeclaration") && s.id) declared.set(s.id.name, s);
  if (s.type === "VariableDeclaration") {
    for (const d of s.declarations) if (d.id.type === "Identifier") declared.set(d.id.name, d.init ?? null);
  }
}

function collect(ctx: Ctx, program: NodePath<Program>, specifierOffsets: readonly number[]): void {
  const { exportName } = ctx.options;
  // 1. Import declarations.
  for (const statement of program.get("body")) {
    if (!statement.isImportDeclaration() || !ctx.specifiers.has(statement.node.source.value)) continue;
    for (const spec of statement.get("specifiers")) {
      const binding = statement.scope.getBinding(spec.node.local.name);
      if (!binding) continue;
      if (spec.isImportDefaultSpecifier() || spec.isImportNamespaceSpecifier()) ctx.bindings.set(binding, "module");
      else if (spec.isImportSpecifier()) {
        const imported = spec.node.imported;
        const name = imported.type === "Identifier" ? imported.name : imported.value;
        if (name === exportName) ctx.bindings.set(binding, "export");
        else if (name === "default") ctx.bindings.set(binding, "module");
      }
    }
  }
  // 2. Module values made by calls: require / createRequire / __require / getBuiltinModule / import().
  const body = program.node.body;
  for (const offset of specifierOffsets) {
    const literal = pathAt(program, body, offset);
    if (!literal) continue;
    const value = moduleExpression(ctx, literal);
    if (value) bindModuleValue(ctx, value);
  }
  // 3. Every reference through those bindings. Export bindings found on the way are added.
  const done = new Set<Binding>();
  for (let changed = true; changed;) {
    changed = false;
    for (const [binding, holds] of [...ctx.bindings]) {
      if (done.has(binding)) continue;
      done.add(binding);
      changed = true;
      for (const ref of binding.referencePaths) {
        if (!ref.isIdentifier()) continue;
        if (holds === "export") useSite(ctx, ref, "void 0");
        else moduleReference(ctx, ref);
      }
    }
  }
}

/** The string or template literal starting at `offset` in the (pruned) program, if any. */
function pathAt(program: NodePath<Program>, body: readonly Statement[], offset: number): NodePath | null {
  const index = body.findIndex((s) => s.start! <= offset && offset < s.end!);
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

function childContaining(node: Node, offset: number): string | null {
  const keys = VISITOR_KEYS[node.type] ?? [];
  for (const key of keys) {
    const child = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i += 1) {
        const c = child[i] as Node | null;
        if (c && c.start! <= offset && offset < c.end!) return `${key}.${i}`;
      }
    } else if (child && typeof child === "object") {
      const c = child as Node;
      if (c.start! <= offset && offset < c.end!) return key;
    }
  }
  return null;
}

function literalValue(node: Node): string | null {
  if (node.type === "StringLiteral") return node.value;
  if (node.type === "TemplateLiteral" && node.expressions.length === 0 && node.quasis.length === 1)
    return node.quasis[0]!.value.cooked ?? null;
  return null;
}

/** The expression whose value is the module, given its specifier literal; null when not a load. */
function moduleExpression(ctx: Ctx, literal: NodePath): NodePath | null {
  const spec = literalValue(literal.node);
  if (spec === null || !ctx.specifiers.has(spec)) return null;
  const parent = literal.parentPath;
  if (!parent) return null;
  let value: NodePath | null = null;
  if (parent.isImportExpression() && parent.node.source === literal.node) value = parent;
  else if (parent.isCallExpression() && parent.node.arguments[0] === literal.node) {
    const callee = parent.get("callee");
    if (callee.isImport() || isRequireLike(ctx, callee as NodePath) || isGetBuiltinModule(callee as NodePath)) value = parent;
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

/** `require`, a `createRequire(...)`-made require, or the bundler runtime's `__require`. */
function isRequireLike(ctx: Ctx, callee: NodePath): boolean {
  if (callee.isCallExpression()) return isCreateRequireCall(callee.node, callee.scope); // createRequire(import.meta.url)("os")
  if (!callee.isIdentifier()) return false;
  const name = callee.node.name;
  const binding = callee.scope.getBinding(name);
  if (!binding) {
    if (ctx.prunedDeclarations.has(name)) {
      // Declared by a top-level statement the pruned program left out.
      const init = ctx.prunedDeclarations.get(name) ?? null;
      return init !== null && isCreateRequireCall(init, callee.scope.getProgramParent());
    }
    return name === "require";
  }
  if (binding.kind === "param") return name === "require";
  if (binding.kind === "module") {
    // `import { i as __require } from "./chunk-*.js"`: the bundler's runtime require.
    return BUNDLER_REQUIRE.test(name) || name === "require";
  }
  const decl = binding.path.node;
  if (decl.type === "VariableDeclarator" && decl.init) return isCreateRequireCall(decl.init, binding.path.scope);
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
    const b = callee.body;
    if (b.type !== "BlockStatement") return isCreateRequireCall(b, scope);
    const ret = b.body.length === 1 && b.body[0]!.type === "ReturnStatement" ? b.body[0]!.argument : null;
    return !!ret && isCreateRequireCall(ret, scope);
  }
  return false;
}

/** `process.getBuiltinModule` / `globalThis.process.getBuiltinModule`. */
function isGetBuiltinModule(callee: NodePath): boolean {
  const n = callee.node;
  if (n.type !== "MemberExpression" || n.computed || n.property.type !== "Identifier" || n.property.name !== "getBuiltinModule")
    return false;
  const o = n.object;
  if (o.type === "Identifier") return o.name === "process" && !callee.scope.getBinding("process");
  return o.type === "MemberExpression" && !o.computed && o.property.type === "Identifier" && o.property.name === "process";
}

/** Where a module value goes: a variable, a destructuring, or straight into a member access. */
function bindModuleValue(ctx: Ctx, value: NodePath): void {
  const parent = value.parentPath;
  if (!parent) return;
  if (parent.isVariableDeclarator() && parent.node.init === value.node) {
    bindPattern(ctx, parent.get("id") as NodePath, parent.scope, "module");
  } else if (parent.isAssignmentExpression() && parent.node.operator === "=" && parent.node.right === value.node) {
    bindPattern(ctx, parent.get("left") as NodePath, parent.scope, "module");
  } else if (parent.isMemberExpression() || parent.isOptionalMemberExpression()) {
    memberOnModule(ctx, value, "void 0");
  }
}

/** A pattern receiving a module: an identifier holds it; `{ exportName: x }` holds the export. */
function bindPattern(ctx: Ctx, pattern: NodePath, scope: Scope, holds: Holds): void {
  if (pattern.isIdentifier()) {
    const binding = scope.getBinding(pattern.node.name);
    if (binding && !ctx.bindings.has(binding)) ctx.bindings.set(binding, holds);
    return;
  }
  if (pattern.isAssignmentPattern()) {
    bindPattern(ctx, pattern.get("left") as NodePath, scope, holds);
    return;
  }
  if (holds !== "module" || !pattern.isObjectPattern()) return;
  for (const prop of pattern.get("properties")) {
    if (!prop.isObjectProperty()) continue;
    const key = propertyName(prop.node.key, prop.node.computed);
    if (key === ctx.options.exportName) bindPattern(ctx, prop.get("value") as NodePath, scope, "export");
    else if (key === "default") bindPattern(ctx, prop.get("value") as NodePath, scope, "module");
  }
}

function propertyName(key: Node, computed: boolean): string | null {
  if (!computed && key.type === "Identifier") return key.name;
  return literalValue(key);
}

/** A reference to a module binding: `m.export`, `m.default.export`, `const { export } = m`. */
function moduleReference(ctx: Ctx, ref: NodePath): void {
  const parent = ref.parentPath;
  if (!parent) return;
  if (
    (parent.isVariableDeclarator() && parent.node.init === ref.node) ||
    (parent.isAssignmentExpression() && parent.node.right === ref.node)
  ) {
    bindModuleValue(ctx, ref);
    return;
  }
  memberOnModule(ctx, ref, ctx.input.code.slice(ref.node.start!, ref.node.end!));
}

function memberOnModule(ctx: Ctx, object: NodePath, selfText: string): void {
  const member = object.parentPath;
  if (!member || !(member.isMemberExpression() || member.isOptionalMemberExpression()) || member.node.object !== object.node) return;
  const name = propertyName(member.node.property, member.node.computed);
  if (name === ctx.options.exportName) {
    useSite(ctx, member, selfText);
  } else if (name === "default") {
    const self = object.node.type === "Identifier" ? ctx.input.code.slice(member.node.start!, member.node.end!) : "void 0";
    memberOnModule(ctx, member, self);
  }
}

/** Wraps one use of the export's value (a member expression or an identifier). */
function useSite(ctx: Ctx, use: NodePath, selfText: string): void {
  const node = use.node;
  if (ctx.seen.has(node)) return;
  ctx.seen.add(node);
  if (isWriteTarget(use)) return;
  const parent = use.parentPath!;
  if (use.isIdentifier() && (parent.isExportSpecifier() || !use.isReferencedIdentifier())) return;
  const { input, options } = ctx;
  const at = node.loc!.start;
  const what = describe(ctx, use);
  if (
    parent.isCallExpression() &&
    parent.node.arguments[0] === node &&
    parent.node.callee.type === "Identifier" &&
    parent.node.callee.name === options.helperName
  ) {
    ctx.sites.push({ line: at.line, column: at.column, state: "already", what });
    return;
  }
  const open = `${input.marker}${options.helperName}(`;
  if (parent.isObjectProperty() && parent.node.shorthand && parent.node.value === node) {
    ctx.edits.push([node.start!, `${propertyName(parent.node.key, false) ?? options.exportName}: ${open}`, "left"]);
  } else {
    ctx.edits.push([node.start!, open, "left"]);
  }
  ctx.edits.push([node.end!, `, ${selfText})`, "right"]);
  ctx.sites.push({ line: at.line, column: at.column, state: "patched", what });
}

function isWriteTarget(path: NodePath): boolean {
  const parent = path.parentPath;
  if (!parent) return false;
  const node = path.node;
  if (parent.isAssignmentExpression() && parent.node.left === node) return true;
  if (parent.isUpdateExpression()) return true;
  if (parent.isUnaryExpression({ operator: "delete" })) return true;
  if ((parent.isForInStatement() || parent.isForOfStatement()) && parent.node.left === node) return true;
  if (parent.isArrayPattern() || parent.isRestElement()) return true;
  if (parent.isObjectProperty() && parent.parentPath?.isObjectPattern() && parent.node.value === node) return true;
  if (parent.isAssignmentPattern() && parent.node.left === node) return true;
  return false;
}

function describe(ctx: Ctx, use: NodePath): string {
  const text = use.isIdentifier() ? use.node.name : ctx.input.code.slice(use.node.start!, use.node.end!).replace(/\s+/g, "");
  let p: NodePath = use;
  // `(0, m.export)()`: the call is on the sequence.
  if (p.parentPath?.isSequenceExpression() && p.parentPath.node.expressions.at(-1) === p.node) p = p.parentPath;
  const parent = p.parentPath;
  if (!parent) return `value ${text}`;
  if ((parent.isCallExpression() || parent.isOptionalCallExpression()) && parent.node.callee === p.node) return `call ${text}()`;
  if (parent.isAssignmentPattern() && parent.node.right === p.node) return `default parameter ${text}`;
  if (parent.isObjectProperty() && parent.node.value === p.node) return `property value ${text}`;
  return `value ${text}`;
}

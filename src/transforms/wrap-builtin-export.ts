import type { Binding, NodePath, Scope } from "@babel/traverse";
import type { File, Node, Program } from "@babel/types";
import type { FollowedName, Site, SourceTransform, SourceTransformInput, SourceTransformResult } from "../core/spec.js";
import {
  importedBindings,
  literalValue,
  loadedModuleValues,
  type BuiltinModule,
  type DeclaredOutside,
  type Holds,
} from "./builtin-load.js";
import { ensureHelper } from "./helper.js";
import { traverse } from "./parse.js";
import { offsetsOf } from "./position.js";
import { pruneProgram } from "./prune.js";

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
type Names = Pick<WrapBuiltinExportOptions<unknown>, "exportName" | "helperName" | "prune">;

/** What one resolution pass found: the bindings followed, and the sites with their edits. */
interface Ctx {
  input: SourceTransformInput<unknown>;
  options: Names;
  bindings: Map<Binding, Holds>;
  sites: Site[];
  seen: Set<Node>;
  /** Insertions, applied once the last resolution pass is done: `[offset, text, side]`. */
  edits: Array<[number, string, "left" | "right"]>;
}

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
 *
 * How the module is loaded is recognised in `builtin-load.ts`; what is left out of a large
 * program before Babel resolves its scopes, in `prune.ts`. This file follows the bindings to the
 * uses and wraps them.
 */
export function wrapBuiltinExport<Options>(options: WrapBuiltinExportOptions<Options>): SourceTransform<Options> {
  const builtin: BuiltinModule = { specifiers: new Set([options.module, `node:${options.module}`]), exportName: options.exportName };
  const needles = [...builtin.specifiers].flatMap((specifier) => ['"', "'", "`"].map((quote) => `${quote}${specifier}${quote}`));
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
        ctx = resolveAll(input, options, builtin, specifierOffsets, offsets);
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

/**
 * Resolves the sites. Pruned (the default), the program is first restricted to the statements
 * holding one of `offsets`; a top-level binding of the export under another local name
 * (`import { x as ni }`, `const { x: ni } = os`) is used where the export's name is not written,
 * so the statements that mention that name are kept too, and the program is resolved again.
 */
function resolveAll(
  input: SourceTransformInput<unknown>,
  options: Names,
  builtin: BuiltinModule,
  specifierOffsets: readonly number[],
  offsets: readonly number[],
): Ctx {
  if (options.prune === false) return resolve(input, options, builtin, specifierOffsets, input.ast.program, new Map());
  const first = pruneProgram(input.ast.program, offsets);
  const ctx = resolve(input, options, builtin, specifierOffsets, first.program, first.declaredOutside);
  const aliases = [...ctx.bindings]
    .filter(([binding, holds]) => holds === "export" && binding.identifier.name !== options.exportName && binding.scope.path.isProgram())
    .map(([binding]) => binding.identifier.name);
  if (aliases.length === 0) return ctx;
  const widened = pruneProgram(
    input.ast.program,
    [...offsets, ...offsetsOf(input.code, aliases)].sort((a, b) => a - b),
  );
  return resolve(input, options, builtin, specifierOffsets, widened.program, widened.declaredOutside);
}

/** One resolution pass over `program` (the whole program or a pruned one). */
function resolve(
  input: SourceTransformInput<unknown>,
  options: Names,
  builtin: BuiltinModule,
  specifierOffsets: readonly number[],
  program: Program,
  declaredOutside: DeclaredOutside,
): Ctx {
  const ctx: Ctx = { input, options, bindings: new Map(), sites: [], seen: new Set(), edits: [] };
  const file: File = { ...input.ast, program };
  // Start from fresh path/scope caches (an earlier transform may have crawled the whole
  // program) and leave fresh ones behind (this crawl resets nested scopes it visits).
  traverse.cache.clear();
  traverse(file, {
    Program(path) {
      collect(ctx, path, builtin, specifierOffsets, declaredOutside);
      path.stop();
    },
  });
  traverse.cache.clear();
  return ctx;
}

/** The bindings that hold the module or its export, and every use of the export through them. */
function collect(
  ctx: Ctx,
  program: NodePath<Program>,
  builtin: BuiltinModule,
  specifierOffsets: readonly number[],
  declaredOutside: DeclaredOutside,
): void {
  // 1. Import declarations.
  for (const [binding, holds] of importedBindings(program, builtin)) ctx.bindings.set(binding, holds);
  // 2. Module values made by calls: require / createRequire / __require / getBuiltinModule / import().
  for (const value of loadedModuleValues(program, specifierOffsets, builtin, declaredOutside)) bindModuleValue(ctx, value);
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
  for (const property of pattern.get("properties")) {
    if (!property.isObjectProperty()) continue;
    const key = propertyName(property.node.key, property.node.computed);
    if (key === ctx.options.exportName) bindPattern(ctx, property.get("value") as NodePath, scope, "export");
    else if (key === "default") bindPattern(ctx, property.get("value") as NodePath, scope, "module");
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
  let value: NodePath = use;
  // `(0, m.export)()`: the call is on the sequence.
  if (value.parentPath?.isSequenceExpression() && value.parentPath.node.expressions.at(-1) === value.node) value = value.parentPath;
  const parent = value.parentPath;
  if (!parent) return `value ${text}`;
  if ((parent.isCallExpression() || parent.isOptionalCallExpression()) && parent.node.callee === value.node) return `call ${text}()`;
  if (parent.isAssignmentPattern() && parent.node.right === value.node) return `default parameter ${text}`;
  if (parent.isObjectProperty() && parent.node.value === value.node) return `property value ${text}`;
  return `value ${text}`;
}

/**
 * The sweep's own count of OS-backed `networkInterfaces` uses in one file: what the network
 * guard must wrap, found without any of the guard's code. A use is a read of the export through
 * a name that holds `node:os` (`os.networkInterfaces`, `os["networkInterfaces"]`,
 * `os.default.networkInterfaces`) or a read of a name bound to the export itself
 * (`import { networkInterfaces }`, `const { networkInterfaces: n } = require("os")`). Names are
 * followed through scopes; a write (`os.networkInterfaces = …`) is not a use.
 */
import { memberName, staticString, type Node } from "./ast.js";
import { analyseScopes, type Binding, type ScopeInfo } from "./scopes.js";

const EXPORT = "networkInterfaces";
const SPECIFIERS = new Set(["os", "node:os"]);
/** Helpers a bundler wraps a required module in; they return the module (or its namespace). */
const INTEROP = new Set([
  "__toESM",
  "__importStar",
  "__importDefault",
  "_interopRequireDefault",
  "_interopRequireWildcard",
  "__toCommonJS",
]);

type Holds = "os" | "export" | "require";

export interface NetworkUses {
  /** Start offset of each use, one entry per use, ascending. */
  offsets: number[];
  /** `export { name }` of a name bound to the export: it leaves the file unguarded. */
  reexports: number;
}

/** Strips a bundler's `$1` rename suffix. */
function plainName(name: string): string {
  return name.replace(/\$\d+$/, "");
}

export function countNetworkInterfaceUses(program: Node): NetworkUses {
  const info = analyseScopes(program);
  const holds = resolveHolders(info);
  const kindOf = (expr: Node): Holds | null => classify(expr, info, holds);
  const offsets: number[] = [];
  for (const { node, parent } of info.members) {
    if (memberName(node) !== EXPORT || kindOf(node.object as Node) !== "os") continue;
    if (isWriteTarget(node, parent)) continue;
    offsets.push(node.start);
  }
  let reexports = 0;
  for (const ref of info.references) {
    if (ref.write) continue;
    const binding = info.bindingOf(ref.node);
    if (!binding || holds.get(binding) !== "export") continue;
    if (ref.exported) reexports += 1;
    else offsets.push(ref.node.start);
  }
  return { offsets: offsets.sort((a, b) => a - b), reexports };
}

function isWriteTarget(node: Node, parent: Node): boolean {
  if (parent.type === "AssignmentExpression" && parent.left === node) return true;
  if (parent.type === "UpdateExpression") return true;
  if (parent.type === "UnaryExpression" && parent.operator === "delete") return true;
  return false;
}

/** Which bindings hold `node:os`, its export, or a require function: iterated to a fixed point. */
function resolveHolders(info: ScopeInfo): Map<Binding, Holds> {
  const holds = new Map<Binding, Holds>();
  for (const imp of info.imports) {
    if (SPECIFIERS.has(imp.source)) {
      if (imp.imported === "default" || imp.imported === "*") holds.set(imp.binding, "os");
      else if (imp.imported === EXPORT) holds.set(imp.binding, "export");
    } else if ((imp.source === "module" || imp.source === "node:module") && imp.imported === "createRequire") {
      holds.set(imp.binding, "require");
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const flow of info.flows) {
      const kind = classify(flow.value, info, holds);
      if (kind === null) continue;
      for (const [binding, held] of bindingsOfPattern(flow.target, kind, info)) {
        if (holds.get(binding) === held) continue;
        holds.set(binding, held);
        changed = true;
      }
    }
  }
  return holds;
}

/** What each name of a pattern receives from a value of `kind`. */
function bindingsOfPattern(pattern: Node, kind: Holds, info: ScopeInfo): Array<[Binding, Holds]> {
  if (pattern.type === "Identifier") {
    const b = info.bindingOf(pattern);
    return b ? [[b, kind]] : [];
  }
  if (pattern.type === "AssignmentPattern") return bindingsOfPattern(pattern.left as Node, kind, info);
  if (pattern.type !== "ObjectPattern" || kind !== "os") return [];
  const out: Array<[Binding, Holds]> = [];
  for (const prop of pattern.properties as Node[]) {
    if (prop.type !== "Property") continue;
    const key = prop.computed ? staticString(prop.key as Node) : ((prop.key as Node).name ?? (prop.key as Node).value);
    if (key === EXPORT) out.push(...bindingsOfPattern(prop.value as Node, "export", info));
    else if (key === "default") out.push(...bindingsOfPattern(prop.value as Node, "os", info));
  }
  return out;
}

/** What an expression evaluates to, as far as `node:os` goes. */
function classify(expr: Node, info: ScopeInfo, holds: Map<Binding, Holds>): Holds | null {
  switch (expr.type) {
    case "Identifier": {
      const binding = info.bindingOf(expr);
      if (binding) return holds.get(binding) ?? null;
      return expr.name === "require" ? "require" : null;
    }
    case "SequenceExpression": {
      const list = expr.expressions as Node[];
      return classify(list[list.length - 1]!, info, holds);
    }
    case "AwaitExpression":
      return classify(expr.argument as Node, info, holds);
    case "ImportExpression":
      return SPECIFIERS.has(staticString(expr.source as Node) ?? "") ? "os" : null;
    case "MemberExpression": {
      const name = memberName(expr);
      if (name === "default" && classify(expr.object as Node, info, holds) === "os") return "os";
      if (name === "createRequire") return "require";
      return null;
    }
    case "CallExpression":
      return classifyCall(expr, info, holds);
    default:
      return null;
  }
}

function classifyCall(call: Node, info: ScopeInfo, holds: Map<Binding, Holds>): Holds | null {
  const callee = call.callee as Node;
  const args = call.arguments as Node[];
  const first = args[0];
  const loadsOs = first !== undefined && SPECIFIERS.has(staticString(first) ?? "");
  if (loadsOs && isRequireFunction(callee, info, holds)) return "os";
  if (callee.type === "Identifier" && INTEROP.has(plainName(callee.name as string)) && first) {
    return classify(first, info, holds) === "os" ? "os" : null;
  }
  const calleeName = callee.type === "Identifier" ? plainName(callee.name as string) : memberName(callee);
  if (calleeName === "createRequire") return "require";
  return null;
}

const PROCESS = new Set(["process", "node:process"]);

function isRequireFunction(callee: Node, info: ScopeInfo, holds: Map<Binding, Holds>): boolean {
  if (callee.type === "Identifier") {
    if (/^__require$/.test(plainName(callee.name as string))) return true;
    return classify(callee, info, holds) === "require";
  }
  if (callee.type === "MemberExpression") {
    const name = memberName(callee);
    if (name === "getBuiltinModule") {
      // Node's process: `process` bound nowhere in the file, a default import of node:process, or `globalThis.process`.
      const object = callee.object as Node;
      if (object.type === "Identifier") {
        const binding = info.bindingOf(object);
        if (!binding) return object.name === "process";
        return info.imports.some((imp) => imp.binding === binding && imp.imported === "default" && PROCESS.has(imp.source));
      }
      return object.type === "MemberExpression" && memberName(object) === "process";
    }
    if (name === "require") return true; // module.require("os")
  }
  if (callee.type === "CallExpression") return classifyCall(callee, info, holds) === "require";
  return false;
}

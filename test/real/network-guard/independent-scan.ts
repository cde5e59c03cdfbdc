/**
 * An independent count of OS-backed `networkInterfaces` sites, written separately from the
 * transform on purpose (different method, so the two can disagree): it never uses
 * @babel/traverse scopes or the pruning, it recognises os-bound names by regular expressions
 * on declarations, and it counts member expressions `<name>.networkInterfaces` (plus
 * `<name>.default.networkInterfaces`) whose object is such a name. Name-based, not
 * scope-aware: in the real dists no other binding shares those names, which the test proves
 * by comparing both counts with the table of known sites per version.
 *
 * Files up to 8 MB are parsed with @babel/parser and walked by hand (comments and strings
 * cannot match); bigger ones (minified worker bundles without comments at the sites) are
 * scanned as text.
 */
import { parse } from "@babel/parser";

const OS_SPEC = String.raw`["'\x60](?:node:)?os["'\x60]`;
const DECLS = [
  new RegExp(String.raw`import\s*([\w$]+)\s*(?:,\s*\{[^}]*\})?\s*from\s*${OS_SPEC}`, "g"),
  new RegExp(String.raw`import\s*\*\s*as\s*([\w$]+)\s*from\s*${OS_SPEC}`, "g"),
  new RegExp(String.raw`([\w$]+)\s*=\s*(?:__toESM\(\s*)?(?:__require|require)\(\s*${OS_SPEC}\s*\)`, "g"),
];

export function osBoundNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const re of DECLS) for (const m of code.matchAll(re)) names.add(m[1]!);
  return names;
}

export interface ScanResult {
  sites: number;
  /** Offsets (in the scanned text) of each counted member expression. */
  offsets: number[];
}

export function independentScan(code: string, sourceType: "module" | "script"): ScanResult {
  const names = osBoundNames(code);
  if (names.size === 0 || !code.includes("networkInterfaces")) return { sites: 0, offsets: [] };
  if (code.length > 8 * 1024 * 1024) return textScan(code, names);
  const ast = parse(code, {
    sourceType,
    allowReturnOutsideFunction: true,
    plugins: [["importAttributes", { deprecatedAssertSyntax: true }]],
  });
  const offsets: number[] = [];
  const stack: unknown[] = [ast.program];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | null;
    if (!node || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      for (const n of node) stack.push(n);
      continue;
    }
    if ((node.type === "MemberExpression" || node.type === "OptionalMemberExpression") && isExportProperty(node)) {
      const object = node.object as Record<string, unknown>;
      const base =
        object.type === "MemberExpression" && isNamed(object.property, object.computed, "default")
          ? (object.object as Record<string, unknown>)
          : object;
      if (base.type === "Identifier" && names.has(base.name as string)) offsets.push(node.start as number);
    }
    for (const key of Object.keys(node)) {
      if (key === "loc" || key === "leadingComments" || key === "trailingComments" || key === "innerComments" || key === "extra") continue;
      const v = node[key];
      if (v && typeof v === "object") stack.push(v);
    }
  }
  offsets.sort((a, b) => a - b);
  return { sites: offsets.length, offsets };
}

function isExportProperty(node: Record<string, unknown>): boolean {
  return isNamed(node.property, node.computed, "networkInterfaces");
}

function isNamed(property: unknown, computed: unknown, name: string): boolean {
  const p = property as { type: string; name?: string; value?: string };
  return computed ? p.type === "StringLiteral" && p.value === name : p.type === "Identifier" && p.name === name;
}

function textScan(code: string, names: Set<string>): ScanResult {
  const offsets: number[] = [];
  for (const m of code.matchAll(/(?<![\w$.])([\w$]+)\s*\.\s*(?:default\s*\.\s*)?networkInterfaces(?![\w$])/g)) {
    if (names.has(m[1]!)) offsets.push(m.index!);
  }
  return { sites: offsets.length, offsets };
}

import { createRequire } from "node:module";
import type { Node as AcornNode } from "acorn";

/**
 * Whether a config file's default export is fixed by its bytes alone: `import { defineConfig }
 * from "clawmend"` (named imports of "clawmend" only) and `export default defineConfig({...})`
 * (or a bare object) of literals: objects without computed keys, spreads, methods or
 * `__proto__`, arrays without holes or spreads, strings, numbers, booleans, null, `-number` and
 * templates without expressions. Nothing it evaluates can read the environment, a file or the
 * clock, so its result can be kept against its bytes (config/cache.ts). Anything else, TypeScript
 * syntax included (acorn parses JavaScript), is not data only: such a config runs on every run.
 */
export function isDataOnlyConfig(source: string): boolean {
  const acorn = createRequire(import.meta.url)("acorn") as typeof import("acorn");
  let program: AcornNode & { body: AcornNode[] };
  try {
    program = acorn.parse(source, { ecmaVersion: "latest", sourceType: "module" }) as typeof program;
  } catch {
    return false;
  }
  const defineNames = new Set<string>();
  let exported: AcornNode | null = null;
  for (const statement of program.body) {
    const s = statement as unknown as Record<string, any>;
    if (s.type === "ImportDeclaration") {
      if (s.source.value !== "clawmend" || s.attributes?.length) return false;
      for (const spec of s.specifiers) {
        if (spec.type !== "ImportSpecifier") return false;
        if (spec.imported.type === "Identifier" && spec.imported.name === "defineConfig") defineNames.add(spec.local.name);
      }
    } else if (s.type === "ExportDefaultDeclaration" && exported === null) {
      exported = s.declaration;
    } else return false;
  }
  if (!exported) return false;
  const e = exported as unknown as Record<string, any>;
  if (e.type === "CallExpression") {
    return (
      e.callee.type === "Identifier" && defineNames.has(e.callee.name) && !e.optional && e.arguments.length === 1 && isData(e.arguments[0])
    );
  }
  return e.type === "ObjectExpression" && isData(e);
}

function isData(node: Record<string, any> | null): boolean {
  if (!node) return false;
  switch (node.type) {
    case "ObjectExpression":
      return node.properties.every(
        (p: Record<string, any>) =>
          p.type === "Property" &&
          p.kind === "init" &&
          !p.computed &&
          !p.method &&
          !p.shorthand &&
          (p.key.type === "Identifier" ? p.key.name : String(p.key.value)) !== "__proto__" &&
          isData(p.value),
      );
    case "ArrayExpression":
      return node.elements.every((el: Record<string, any> | null) => el !== null && el.type !== "SpreadElement" && isData(el));
    case "Literal":
      return node.regex === undefined && node.bigint === undefined;
    case "TemplateLiteral":
      return node.expressions.length === 0;
    case "UnaryExpression":
      return node.operator === "-" && node.argument.type === "Literal" && typeof node.argument.value === "number";
    default:
      return false;
  }
}

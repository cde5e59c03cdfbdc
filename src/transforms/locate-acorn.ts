import { createRequire } from "node:module";
import type { Node as AcornNode, Options as AcornOptions } from "acorn";
import { sortedBodies, type FunctionBodies, type RecordedBodies } from "./function-bodies.js";

/**
 * Function bodies found by one acorn pass that keeps no AST: each body is dropped as soon as it
 * is parsed, so a 50 MB bundle costs a few hundred MB, not several GB. Used where oxc cannot run.
 */

type AcornParser = typeof import("acorn").Parser;
let bodyLocator: AcornParser | undefined;

/**
 * acorn, extended to record block bodies and drop them. Redeclaration checks are left to
 * Babel, which parses the result: acorn keeps declared names in arrays, which is quadratic in
 * the 60,000 top-level declarations of a scope-hoisted bundle.
 */
function locator(): AcornParser {
  if (bodyLocator) return bodyLocator;
  const { Parser } = createRequire(import.meta.url)("acorn") as typeof import("acorn");
  interface Internals {
    parseFunctionBody(node: AcornNode, isArrow: boolean, isMethod: boolean, forInit: boolean): void;
    finishNode(node: AcornNode, type: string): AcornNode;
  }
  bodyLocator = Parser.extend((Base) => {
    const base = Base as unknown as new (...args: unknown[]) => Internals & { bodies: RecordedBodies };
    return class extends base {
      declareName(): void {}
      checkLocalExport(): void {}
      override parseFunctionBody(node: AcornNode, isArrow: boolean, isMethod: boolean, forInit: boolean): void {
        super.parseFunctionBody(node, isArrow, isMethod, forInit);
        const fn = node as AcornNode & { body: AcornNode | null; bodyIndex?: number };
        const body = fn.body!;
        if (body.type === "BlockStatement") {
          fn.bodyIndex = this.bodies.start.length;
          this.bodies.owner.push(fn.start);
          this.bodies.start.push(body.start);
          this.bodies.end.push(body.end);
        }
        fn.body = null;
      }
      override finishNode(node: AcornNode, type: string): AcornNode {
        const done = super.finishNode(node, type) as AcornNode & Record<string, unknown>;
        const value = (done[OWNED_VALUE[type] ?? ""] ?? null) as (AcornNode & { bodyIndex?: number }) | null;
        if (value?.bodyIndex !== undefined) this.bodies.owner[value.bodyIndex] = done.start;
        return done;
      }
    } as unknown as AcornParser;
  });
  return bodyLocator;
}

/** Nodes that name the function they hold, and where they hold it. */
const OWNED_VALUE: Record<string, string> = {
  VariableDeclarator: "init",
  AssignmentExpression: "right",
  AssignmentPattern: "right",
  Property: "value",
  MethodDefinition: "value",
  PropertyDefinition: "value",
};
/** The function bodies of `code`, or null when acorn cannot parse it (Babel then parses it whole). */
export function locateWithAcorn(code: string, format: "esm" | "cjs"): FunctionBodies | null {
  const options: AcornOptions = {
    ecmaVersion: "latest",
    sourceType: format === "esm" ? "module" : "script",
    allowHashBang: true,
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
  };
  const attempts: AcornOptions[] = format === "cjs" ? [options, { ...options, sourceType: "module" }] : [options];
  for (const attempt of attempts) {
    const recorded: RecordedBodies = { owner: [], start: [], end: [] };
    const Locator = locator() as unknown as new (options: AcornOptions, input: string) => { bodies: RecordedBodies; parse(): unknown };
    const parser = new Locator(attempt, code);
    parser.bodies = recorded;
    try {
      parser.parse();
    } catch {
      continue; // try the next source type, then give up
    }
    return sortedBodies(code, recorded);
  }
  return null;
}

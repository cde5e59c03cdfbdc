import type { Node, Program, Statement, VariableDeclaration } from "@babel/types";

/**
 * Pruning a program before Babel resolves its scopes: a minified bundle of several MB has tens
 * of thousands of top-level statements, and most of them cannot hold what a transform looks
 * for. Leaving them out of the program that is traversed keeps such files cheap.
 */
export interface PrunedProgram {
  /** The program restricted to what can matter. Its nodes are the original ones, so offsets stay valid. */
  program: Program;
  /**
   * Top-level names declared by the statements left out, each with its initialiser (the
   * declaration itself for a function or class, null for a declarator without one). Such a
   * name is declared in the file even though no scope of the pruned program binds it.
   */
  declaredOutside: Map<string, Node | null>;
}

/**
 * Keeps every import declaration and each top-level statement that contains one of `offsets`
 * (sorted); of a `var`/`let`/`const` list with several declarators, only the declarators that
 * contain one.
 */
export function pruneProgram(program: Program, offsets: readonly number[]): PrunedProgram {
  const declaredOutside = new Map<string, Node | null>();
  const body: Statement[] = [];
  let next = 0; // index into the sorted offsets
  for (const statement of program.body) {
    const start = statement.start!;
    const end = statement.end!;
    while (next < offsets.length && offsets[next]! < start) next += 1;
    const holdsOffset = next < offsets.length && offsets[next]! < end;
    if (statement.type === "ImportDeclaration") {
      body.push(statement);
    } else if (!holdsOffset) {
      recordDeclared(statement, declaredOutside);
    } else if (statement.type === "VariableDeclaration" && statement.declarations.length > 1) {
      const kept = statement.declarations.filter((declarator) => {
        const inside = offsets.some((offset) => offset >= declarator.start! && offset < declarator.end!);
        if (!inside && declarator.id.type === "Identifier") declaredOutside.set(declarator.id.name, declarator.init ?? null);
        return inside;
      });
      body.push({ ...statement, declarations: kept } as VariableDeclaration);
    } else {
      body.push(statement);
    }
  }
  return { program: { ...program, body }, declaredOutside };
}

function recordDeclared(statement: Statement, declared: Map<string, Node | null>): void {
  const declaration =
    statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration" ? statement.declaration : statement;
  if (!declaration) return;
  if ((declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") && declaration.id) {
    declared.set(declaration.id.name, declaration);
  }
  if (declaration.type === "VariableDeclaration") {
    for (const declarator of declaration.declarations) {
      if (declarator.id.type === "Identifier") declared.set(declarator.id.name, declarator.init ?? null);
    }
  }
}

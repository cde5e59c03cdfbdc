import type { Program } from "@babel/types";
import type { Insertions } from "../core/spec.js";

/**
 * Helpers shared by the transforms that route values through one function declared once per
 * file (function declarations hoist, so one at the end serves every site).
 */

/** Whether the program declares a top-level function of this name (an earlier run's helper). */
export function declaresTopLevelFunction(program: Program, name: string): boolean {
  return program.body.some((statement) => statement.type === "FunctionDeclaration" && statement.id?.name === name);
}

/** Appends `source` at the end of the file, before a trailing `//# sourceMappingURL=` comment. */
export function appendHelper(code: string, edit: Insertions, source: string): void {
  const text = source.endsWith("\n") ? source : `${source}\n`;
  const sourceMap = /\n\/\/# sourceMappingURL=[^\n]*\s*$/.exec(code);
  if (sourceMap) {
    edit.appendLeft(sourceMap.index + 1, text);
    return;
  }
  edit.append(`${code.length > 0 && !code.endsWith("\n") ? "\n" : ""}${text}`);
}

/** Declares the helper once: appends it unless the file already declares a function of that name. */
export function ensureHelper(code: string, program: Program, edit: Insertions, name: string, source: () => string): void {
  if (!declaresTopLevelFunction(program, name)) appendHelper(code, edit, source());
}

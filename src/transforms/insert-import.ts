import { posix } from "node:path";
import type { Program, Statement } from "@babel/types";
import type { SourceTransform, SourceTransformInput, SourceTransformResult } from "../core/spec.js";
import { lineColumn } from "./position.js";

export interface InsertImportOptions<Options> {
  /** Path of the module relative to each entry's directory, without extension (`clawmend-overlay`). */
  moduleName: string;
  /** Content of the module for the entry's format, from the spec's options. `marker` must appear in it. */
  moduleSource: (options: Options, format: "esm" | "cjs", marker: string) => string;
}

/**
 * Writes a module next to each entry file and imports it as the entry's first statement,
 * right after the shebang (CJS: after the directive prologue, so `"use strict"` stays a
 * directive). The import is put on the line after the shebang without adding a line, so
 * every line number of the entry stays what it was.
 */
export function insertImportAfterShebang<Options>(options: InsertImportOptions<Options>): SourceTransform<Options> {
  return {
    kind: "insert-import-after-shebang",
    // The top level only.
    reads: [],
    apply(input: SourceTransformInput<Options>): SourceTransformResult {
      const extension = input.format === "esm" ? "mjs" : "cjs";
      const modulePath = posix.join(posix.dirname(input.file), `${options.moduleName}.${extension}`);
      const specifier = `./${options.moduleName}.${extension}`;
      const added = [{ path: modulePath, content: options.moduleSource(input.options, input.format, input.marker) }];
      const program = input.ast.program;
      const existing = program.body.find((statement) => importsSpecifier(statement, specifier));
      if (existing) {
        const at = existing.loc!.start;
        return { sites: [{ line: at.line, column: at.column, state: "already", what: `import ${specifier}` }], added };
      }
      const offset = insertionOffset(input.code, program, input.format);
      const statement = input.format === "esm" ? `import ${JSON.stringify(specifier)};` : `require(${JSON.stringify(specifier)});`;
      // Only a file that is nothing but a shebang line needs a line break before the import.
      const needsNewline = program.interpreter != null && offset === input.code.length && !input.code.endsWith("\n");
      input.edit.appendLeft(offset, `${needsNewline ? "\n" : ""}${input.marker}${statement}`);
      const { line, column } = lineColumn(input.code, offset);
      return { sites: [{ line, column, state: "patched", what: `import ${specifier}` }], added };
    },
  };
}

function importsSpecifier(statement: Statement, specifier: string): boolean {
  if (statement.type === "ImportDeclaration") return statement.source.value === specifier;
  if (statement.type !== "ExpressionStatement") return false;
  const call = statement.expression;
  return (
    call.type === "CallExpression" &&
    call.callee.type === "Identifier" &&
    call.callee.name === "require" &&
    call.arguments.length === 1 &&
    call.arguments[0]!.type === "StringLiteral" &&
    call.arguments[0]!.value === specifier
  );
}

/** Start of the line after the shebang; for CJS, after the directive prologue. */
function insertionOffset(code: string, program: Program, format: "esm" | "cjs"): number {
  if (format === "cjs" && program.directives.length > 0) return program.directives[program.directives.length - 1]!.end!;
  const interpreter = program.interpreter;
  if (!interpreter) return 0;
  const newline = code.indexOf("\n", interpreter.end!);
  return newline === -1 ? code.length : newline + 1;
}

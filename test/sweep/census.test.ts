/**
 * The sweep's census (sweep/scan/) against the hand-written fixture cases: it shares no code
 * with the patches, so it must find exactly the MUST lines of every case on its own, and none
 * of the decoys. A case the census reads differently from the patch is a bug in one of them.
 */
import { describe, expect, it } from "vitest";
import { linesAt, parseProgram } from "../../sweep/scan/ast.js";
import { countBuilders } from "../../sweep/scan/builders.js";
import { countNetworkInterfaceUses } from "../../sweep/scan/network-interfaces.js";
import { annotations, fixtureCases, formatOf, pathOf } from "../support/patch-fixtures.js";

const cases = await fixtureCases();

function mustLines(code: string): number[] {
  const { expect: expected, must } = annotations(code);
  if (expected !== "sites") return [];
  return [...must.entries()].flatMap(([line, n]) => Array.from({ length: n }, () => line)).sort((a, b) => a - b);
}

function programOf(code: string, file: string) {
  const { program, error } = parseProgram(code, formatOf(file));
  if (!program) throw new Error(`${file}: ${error}`);
  return program;
}

describe("sweep census", () => {
  const guard = cases.filter((c) => c.spec.id === "network-interfaces-guard");
  it.each(guard.map((c) => [c.file, c] as const))("network-interfaces-guard/%s: the MUST lines, no decoy", (_name, c) => {
    const uses = countNetworkInterfaceUses(programOf(c.code, c.file));
    expect(linesAt(c.code, uses.offsets)).toEqual(mustLines(c.code));
  });

  const gate = cases.filter((c) => c.spec.id === "vllm-tool-gate" && annotations(c.code).expect !== "ambiguous");
  it.each(gate.map((c) => [c.file, c] as const))("vllm-tool-gate/%s: the builders it must wrap", (_name, c) => {
    const builders = countBuilders(programOf(c.code, c.file), pathOf(c.file.replace(/^/, "openai-completions-")));
    expect(linesAt(c.code, builders.offsets)).toEqual([...new Set(mustLines(c.code))]);
  });
});

import { parseTree } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { elementTree, propertyValue, readJsonArray } from "../../src/transforms/json-array.js";

/** Offsets and lengths of the top-level elements as jsonc-parser's whole tree has them. */
const spansByTree = (code: string) => parseTree(code)!.children!.map((node) => [node.offset, node.length]);
const spansRead = (code: string) => readJsonArray(code)!.elements.map((element) => [element.offset, element.length]);

describe("readJsonArray", () => {
  const awkward = [
    "a",
    'quote " and \\ backslash',
    "brackets ] } [ { and , commas",
    "\\u005d escaped",
    { path: "dist/x.js", nested: [1, [2, { deep: "]" }]], n: -1.5e3, t: true, f: false, z: null },
    [],
    {},
    0,
    "",
  ];

  it.each([
    ["compact", JSON.stringify(awkward)],
    ["two spaces", JSON.stringify(awkward, null, 2)],
    ["tabs", JSON.stringify(awkward, null, "\t")],
    ["CRLF and padding", ` \r\n${JSON.stringify(awkward, null, 2).replace(/\n/g, "\r\n")}\r\n `],
  ])("%s: every element where jsonc-parser's tree has it, with its value", (_name, code) => {
    expect(spansRead(code)).toEqual(spansByTree(code));
    expect(readJsonArray(code)!.elements.map((element) => element.value)).toEqual(JSON.parse(code));
    expect(readJsonArray(code)!.offset).toBe(parseTree(code)!.offset);
  });

  it("an empty array", () => {
    expect(readJsonArray(" [ ] ")).toEqual({ offset: 1, elements: [] });
  });

  it.each([
    ["not JSON", "[1, 2"],
    ["comments (JSONC)", "[1, /* two */ 2]"],
    ["a trailing comma", "[1, 2,]"],
    ["an object", '{"a": 1}'],
    ["a string", '"[1]"'],
  ])("%s: null", (_name, code) => {
    expect(readJsonArray(code)).toBeNull();
  });

  it("an element's tree has offsets into the whole text", () => {
    const code = JSON.stringify(
      [
        { path: "a", sha256: "x" },
        { path: "b", sha256: "y", size: 3 },
      ],
      null,
      2,
    );
    const element = readJsonArray(code)!.elements[1]!;
    const node = propertyValue(elementTree(code, element), "size")!;
    expect(code.slice(node.offset, node.offset + node.length)).toBe("3");
    expect(propertyValue(elementTree(code, element), "mode")).toBeUndefined();
  });
});

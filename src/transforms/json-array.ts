import { parseTree, type Node as JsonNode } from "jsonc-parser";

/**
 * A JSON array read for editing in place: every element's value (by `JSON.parse`, native and
 * strict) and where each element is in the text (one pass over the characters, safe because
 * the text is known to be valid JSON). An element's own tree, with offsets into the whole text,
 * is built only for the elements an edit touches: OpenClaw's content inventory (2 MB, tens of
 * thousands of records) is read this way without a syntax tree of the whole file.
 */
export interface JsonArray {
  /** Offset of the `[`. */
  offset: number;
  elements: JsonElement[];
}

export interface JsonElement {
  value: unknown;
  offset: number;
  length: number;
}

/** The array in `code`, or null when `code` is not strict JSON or not an array. */
export function readJsonArray(code: string): JsonArray | null {
  let values: unknown;
  try {
    values = JSON.parse(code);
  } catch {
    return null;
  }
  if (!Array.isArray(values)) return null;
  const spans = elementSpans(code);
  if (spans.length !== values.length) return null; // cannot happen for valid JSON; never guess
  return { offset: code.indexOf("["), elements: spans.map(([offset, end], i) => ({ value: values[i], offset, length: end - offset })) };
}

/** The syntax tree of one element, its offsets into the whole text. */
export function elementTree(code: string, element: JsonElement): JsonNode {
  const tree = parseTree(code.slice(element.offset, element.offset + element.length))!;
  const shift = (node: JsonNode): void => {
    (node as { offset: number }).offset += element.offset;
    node.children?.forEach(shift);
  };
  shift(tree);
  return tree;
}

/** The value node of `key` in an object's tree. */
export function propertyValue(object: JsonNode, key: string): JsonNode | undefined {
  return object.children?.find((property) => property.children?.[0]?.value === key)?.children?.[1];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** [start, end) of each top-level element of a valid JSON array. */
function elementSpans(code: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let depth = 0;
  let start = -1;
  let last = -1; // end of the last non-whitespace character inside the current element
  for (let i = 0; i < code.length; i += 1) {
    const char = code.charCodeAt(i);
    if (char === QUOTE) {
      if (depth === 1 && start === -1) start = i;
      i += 1;
      while (code.charCodeAt(i) !== QUOTE) i += code.charCodeAt(i) === BACKSLASH ? 2 : 1;
      last = i + 1;
    } else if (OPENERS.has(char)) {
      if (depth === 1 && start === -1) start = i;
      depth += 1;
    } else if (CLOSERS.has(char)) {
      depth -= 1;
      if (depth === 0) {
        if (start !== -1) spans.push([start, last]);
        break;
      }
      last = i + 1;
    } else if (depth === 1 && char === COMMA) {
      spans.push([start, last]);
      start = -1;
    } else if (!WHITESPACE.has(char)) {
      if (depth === 1 && start === -1) start = i;
      last = i + 1;
    }
  }
  return spans;
}

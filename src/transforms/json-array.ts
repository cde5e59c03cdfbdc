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
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** [start, end) of each top-level element of a valid JSON array. */
function elementSpans(code: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let depth = 0;
  let start = -1;
  let last = -1; // end of the last non-whitespace character inside the current element
  for (let i = 0; i < code.length; i += 1) {
    const char = code.charCodeAt(i);
    switch (char) {
      case QUOTE:
        if (depth === 1 && start === -1) start = i;
        i = closingQuote(code, i);
        last = i + 1;
        break;
      case OPEN_BRACKET:
      case OPEN_BRACE:
        if (depth === 1 && start === -1) start = i;
        depth += 1;
        break;
      case CLOSE_BRACKET:
      case CLOSE_BRACE:
        depth -= 1;
        if (depth === 0) {
          if (start !== -1) spans.push([start, last]);
          return spans;
        }
        last = i + 1;
        break;
      case COMMA:
        if (depth === 1) {
          spans.push([start, last]);
          start = -1;
        } else last = i + 1;
        break;
      case 0x20: // whitespace
      case 0x09:
      case 0x0a:
      case 0x0d:
        break;
      default:
        if (depth === 1 && start === -1) start = i;
        last = i + 1;
    }
  }
  return spans;
}

/** The offset of the quote that closes the string opened at `open` (native search, escapes skipped). */
function closingQuote(code: string, open: number): number {
  let at = code.indexOf('"', open + 1);
  while (isEscaped(code, at)) at = code.indexOf('"', at + 1);
  return at;
}

/** Whether the character at `at` follows an odd number of backslashes. */
function isEscaped(code: string, at: number): boolean {
  let backslashes = 0;
  while (code.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
  return backslashes % 2 === 1;
}

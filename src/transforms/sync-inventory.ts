import type { FileChange, LedgerTransform, LedgerTransformInput, LedgerTransformResult, Site } from "../core/spec.js";
import { elementTree, propertyValue, readJsonArray, type JsonArray, type JsonElement } from "./json-array.js";
import { lineColumn } from "./position.js";

/** One inventory file and how it records the package's files. */
export type InventoryFormat =
  /** A JSON array of relative paths: every added file is listed. */
  | { kind: "paths" }
  /**
   * A JSON array of objects with a path and the file's content hash, size and permission bits:
   * every changed file's entry gets the new values, every added file an entry of its own.
   */
  | { kind: "records"; fields: { path: string; sha256: string; size: string; mode: string } };

export interface SyncInventoryOptions {
  /** Inventory files, by path relative to the package root. */
  files: Readonly<Record<string, InventoryFormat>>;
  /** Only changes under this directory are recorded (e.g. `dist/`). */
  scope: string;
  /** How a recorded mode is written (e.g. only the permission bits `mode & 0o777`). */
  modeMask?: number;
}

/**
 * Keeps a package's own inventories of its files true to what the other patches leave: a file
 * a patch changed gets its new hash and size, a file a patch added gets listed. Edits only the
 * values and entries concerned, in place, keeping the file's formatting; run from the file's
 * original text with every change of the copy, it is idempotent by construction.
 */
export function syncInventory(options: SyncInventoryOptions): LedgerTransform<unknown> {
  return {
    input: "ledger",
    kind: "sync-inventory",
    apply(input: LedgerTransformInput<unknown>): LedgerTransformResult {
      const format = options.files[input.file];
      if (!format) return { sites: [], ambiguous: `${input.file} is not an inventory this patch knows` };
      const root = readJsonArray(input.code);
      if (!root) return { sites: [], ambiguous: `${input.file} is not a JSON array` };
      const changes = input.changes.filter((change) => change.path.startsWith(options.scope));
      return format.kind === "paths"
        ? syncPaths(input, root, changes)
        : syncRecords(input, root, changes, format.fields, options.modeMask ?? 0o777);
    },
  };
}

function syncPaths(input: LedgerTransformInput<unknown>, root: JsonArray, changes: readonly FileChange[]): LedgerTransformResult {
  const items = root.elements;
  if (items.some((item) => typeof item.value !== "string")) return { sites: [], ambiguous: `${input.file}: expected an array of paths` };
  const listed = new Map<string, JsonElement>();
  for (const item of items) if (!listed.has(item.value as string)) listed.set(item.value as string, item);
  const sites: Site[] = [];
  for (const change of changes) {
    if (!change.added) continue;
    const item = listed.get(change.path);
    if (item) {
      sites.push(siteAt(input.code, item.offset, "already", `lists ${change.path}`));
      continue;
    }
    const offset = insertElement(input, root, change.path, JSON.stringify(change.path), (element) => element.value as string);
    sites.push(siteAt(input.code, offset, "patched", `lists ${change.path}`));
  }
  return { sites };
}

function syncRecords(
  input: LedgerTransformInput<unknown>,
  root: JsonArray,
  changes: readonly FileChange[],
  fields: Extract<InventoryFormat, { kind: "records" }>["fields"],
  modeMask: number,
): LedgerTransformResult {
  const items = root.elements;
  const pathOf = (item: JsonElement) => (item.value as Record<string, unknown>)[fields.path] as string;
  const byPath = new Map<string, JsonElement>();
  for (const item of items) {
    const record = item.value;
    if (
      typeof record !== "object" ||
      record === null ||
      Array.isArray(record) ||
      typeof (record as Record<string, unknown>)[fields.path] !== "string"
    )
      return { sites: [], ambiguous: `${input.file}: expected objects with a "${fields.path}"` };
    byPath.set(pathOf(item), item);
  }
  const sites: Site[] = [];
  for (const change of changes) {
    // A changed file keeps its recorded mode (clawmend keeps every file's mode).
    const wanted: Record<string, string | number> = { [fields.sha256]: change.sha256, [fields.size]: change.size };
    const item = byPath.get(change.path);
    const what = `records ${change.path}`;
    if (!item) {
      if (!change.added) continue; // a file the package does not inventory
      const values: Record<string, string | number> = { ...wanted, [fields.path]: change.path, [fields.mode]: change.mode & modeMask };
      const template = items[0]?.value as Record<string, unknown> | undefined;
      const keys = template ? Object.keys(template) : [fields.path, fields.sha256, fields.mode, fields.size];
      const record = Object.fromEntries(keys.map((key) => [key, values[key] ?? null]));
      const offset = insertElement(input, root, change.path, JSON.stringify(record, null, "\t"), pathOf);
      sites.push(siteAt(input.code, offset, "patched", what));
      continue;
    }
    const recorded = item.value as Record<string, unknown>;
    const missing = Object.keys(wanted).find((key) => !(key in recorded));
    if (missing) return { sites: [], ambiguous: `${input.file}: the entry of ${change.path} has no "${missing}"` };
    const differing = Object.entries(wanted).filter(([key, value]) => recorded[key] !== value);
    if (differing.length > 0) {
      const tree = elementTree(input.code, item);
      for (const [key, value] of differing) {
        const node = propertyValue(tree, key)!;
        input.edit.overwrite(node.offset, node.offset + node.length, JSON.stringify(value));
      }
    }
    sites.push(siteAt(input.code, item.offset, differing.length > 0 ? "patched" : "already", what));
  }
  return { sites };
}

/**
 * Inserts a new array element before the first element whose path sorts after `path` (or after
 * the last), indented and separated like its neighbours. `json` is the element as JSON; an
 * object is re-indented to match. Returns the insertion offset.
 */
function insertElement(
  input: LedgerTransformInput<unknown>,
  root: JsonArray,
  path: string,
  json: string,
  pathOf: (element: JsonElement) => string,
): number {
  const code = input.code;
  const items = root.elements;
  const before = items.findIndex((item) => pathOf(item) > path);
  if (items.length === 0) {
    const at = root.offset + 1;
    input.edit.appendLeft(at, json);
    return at;
  }
  // The whitespace between two elements, and the indentation of an element's own lines.
  const gap =
    items.length > 1
      ? code.slice(items[0]!.offset + items[0]!.length + 1, items[1]!.offset)
      : code.slice(root.offset + 1, items[0]!.offset);
  const indent = gap.slice(gap.lastIndexOf("\n") + 1);
  const unit = indentUnit(code, items[0]!, indent);
  const element = json.replace(/\n(\t*)/g, (_line, tabs: string) => `\n${indent}${unit.repeat(tabs.length)}`);
  if (before === -1) {
    const last = items[items.length - 1]!;
    const at = last.offset + last.length;
    input.edit.appendLeft(at, `,${gap}${element}`);
    return at;
  }
  const at = items[before]!.offset;
  input.edit.appendLeft(at, `${element},${gap}`);
  return at;
}

/** The indentation step inside an element (e.g. two spaces), read off its second line. */
function indentUnit(code: string, item: JsonElement, indent: string): string {
  const text = code.slice(item.offset, item.offset + item.length);
  const second = /\n([ \t]*)/.exec(text)?.[1];
  return second !== undefined && second.startsWith(indent) && second.length > indent.length ? second.slice(indent.length) : "  ";
}

function siteAt(code: string, offset: number, state: Site["state"], what: string): Site {
  return { ...lineColumn(code, offset), state, what };
}

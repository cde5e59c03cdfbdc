import { parseTree, type Node as JsonNode } from "jsonc-parser";
import type { FileChange, LedgerTransform, LedgerTransformInput, LedgerTransformResult, Site } from "../core/spec.js";
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
      const root = parseTree(input.code);
      if (!root || root.type !== "array") return { sites: [], ambiguous: `${input.file} is not a JSON array` };
      const changes = input.changes.filter((change) => change.path.startsWith(options.scope));
      return format.kind === "paths"
        ? syncPaths(input, root, changes)
        : syncRecords(input, root, changes, format.fields, options.modeMask ?? 0o777);
    },
  };
}

function syncPaths(input: LedgerTransformInput<unknown>, root: JsonNode, changes: readonly FileChange[]): LedgerTransformResult {
  const items = root.children ?? [];
  if (items.some((item) => item.type !== "string")) return { sites: [], ambiguous: `${input.file}: expected an array of paths` };
  const listed = new Set(items.map((item) => item.value as string));
  const sites: Site[] = [];
  for (const change of changes) {
    if (!change.added) continue;
    if (listed.has(change.path)) {
      const item = items.find((listedItem) => listedItem.value === change.path)!;
      sites.push(siteAt(input.code, item.offset, "already", `lists ${change.path}`));
      continue;
    }
    const offset = insertElement(input, root, items, change.path, JSON.stringify(change.path));
    sites.push(siteAt(input.code, offset, "patched", `lists ${change.path}`));
  }
  return { sites };
}

function syncRecords(
  input: LedgerTransformInput<unknown>,
  root: JsonNode,
  changes: readonly FileChange[],
  fields: Extract<InventoryFormat, { kind: "records" }>["fields"],
  modeMask: number,
): LedgerTransformResult {
  const items = root.children ?? [];
  const byPath = new Map<string, JsonNode>();
  for (const item of items) {
    const path = property(item, fields.path);
    if (item.type !== "object" || path?.type !== "string")
      return { sites: [], ambiguous: `${input.file}: expected objects with a "${fields.path}"` };
    byPath.set(path.value as string, item);
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
      const template = items[0];
      const keys = template?.children?.map((property) => property.children![0]!.value as string) ?? [
        fields.path,
        fields.sha256,
        fields.mode,
        fields.size,
      ];
      const record = Object.fromEntries(keys.map((key) => [key, values[key] ?? null]));
      const offset = insertElement(input, root, items, change.path, JSON.stringify(record, null, "\t"), fields.path);
      sites.push(siteAt(input.code, offset, "patched", what));
      continue;
    }
    let edited = false;
    for (const [key, value] of Object.entries(wanted)) {
      const node = property(item, key);
      if (!node) return { sites: [], ambiguous: `${input.file}: the entry of ${change.path} has no "${key}"` };
      if (node.value === value) continue;
      input.edit.overwrite(node.offset, node.offset + node.length, JSON.stringify(value));
      edited = true;
    }
    sites.push(siteAt(input.code, item.offset, edited ? "patched" : "already", what));
  }
  return { sites };
}

function property(object: JsonNode, key: string): JsonNode | undefined {
  return object.children?.find((property) => property.children?.[0]?.value === key)?.children?.[1];
}

/**
 * Inserts a new array element before the first element whose path sorts after `path` (or after
 * the last), indented and separated like its neighbours. `json` is the element as JSON; an
 * object is re-indented to match. Returns the insertion offset.
 */
function insertElement(
  input: LedgerTransformInput<unknown>,
  root: JsonNode,
  items: readonly JsonNode[],
  path: string,
  json: string,
  pathKey?: string,
): number {
  const code = input.code;
  const pathOf = (item: JsonNode) => (pathKey ? (property(item, pathKey)?.value as string) : (item.value as string));
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
function indentUnit(code: string, item: JsonNode, indent: string): string {
  const text = code.slice(item.offset, item.offset + item.length);
  const second = /\n([ \t]*)/.exec(text)?.[1];
  return second !== undefined && second.startsWith(indent) && second.length > indent.length ? second.slice(indent.length) : "  ";
}

function siteAt(code: string, offset: number, state: Site["state"], what: string): Site {
  return { ...lineColumn(code, offset), state, what };
}

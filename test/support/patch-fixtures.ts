/**
 * The fixture harness every patch shares. `fixtures/patches/<patch id>/` holds the cases of one
 * patch (a spec of a folder of src/patches/builtin/, examples included, or one whose `spec.ts`
 * sits in the fixture folder): each source file annotates
 * the lines it must patch (`// MUST`, `// MUST x2`) and the decoys it must leave alone
 * (`MUST-NOT` anywhere on the line); a first line `// EXPECT: ambiguous` or `// EXPECT: none`
 * says the patch must refuse the file or find nothing. A ledger patch's case is a JSON file
 * with `<case>.changes.json` beside it: `{ "changes": [...], "must": ["path", ...] }`.
 */
import { runSync } from "./run.js";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative } from "node:path";
import { expect } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { selectFiles } from "../../src/discover/files.js";
import type { PackageCopy } from "../../src/discover/packages.js";
import { isSourceTransform, type FileChange, type PatchSpec } from "../../src/core/spec.js";
import { builtinFolders } from "../../src/patches/builtins.js";
import { markerFor } from "../../src/transforms/marker.js";
import { isParseFailure, parseProgram } from "../../src/transforms/parse.js";
import { planFile, planLedgerFile, type FilePlan } from "../../src/transforms/plan.js";
import { FIXTURES } from "./paths.js";

export const PATCH_FIXTURES = join(FIXTURES, "patches");

export interface FixtureCase {
  spec: PatchSpec;
  /** File name inside the patch's folder. */
  file: string;
  code: string;
}

/** Every spec of every folder of src/patches/builtin/, examples included, with the default settings. */
export function builtinSpecs(): PatchSpec[] {
  return builtinFolders().flatMap(({ builtin }) => builtin.specs(defaultSettings()));
}

/** The spec of a fixture folder: the built-in (or built-in example) of that id, else the folder's own `spec.ts`. */
export async function specFor(id: string): Promise<PatchSpec> {
  const builtin = builtinSpecs().find((s) => s.id === id);
  if (builtin) return builtin;
  const own = join(PATCH_FIXTURES, id, "spec.ts");
  if (!existsSync(own)) throw new Error(`fixtures/patches/${id}: no built-in patch of that id and no spec.ts`);
  return ((await import(own)) as { default: PatchSpec }).default;
}

export async function fixtureCases(): Promise<FixtureCase[]> {
  const cases: FixtureCase[] = [];
  for (const id of readdirSync(PATCH_FIXTURES).sort()) {
    const spec = await specFor(id);
    for (const file of caseFiles(join(PATCH_FIXTURES, id))) {
      if (file === "spec.ts" || file === "README.md" || file.endsWith(".changes.json")) continue;
      cases.push({ spec, file, code: readFileSync(join(PATCH_FIXTURES, id, file), "utf8") });
    }
  }
  return cases;
}

/**
 * The files of a case folder, relative and sorted, subfolders included (a case under
 * `.setup/` is planned at `dist/.setup/...`, where a dist keeps bundles in dot-directories).
 */
function caseFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

export function formatOf(file: string): "esm" | "cjs" {
  return file.endsWith(".cjs") ? "cjs" : "esm";
}

/** The path a case is planned at: under `dist/` like the chunks it mimics. */
export function pathOf(file: string): string {
  return `dist/${file}`;
}

/** Plans one fixture with its spec alone (the engine's per-file step). */
export function planCase(c: Pick<FixtureCase, "spec" | "file">, code: string, parse?: "whole" | "partial"): FilePlan {
  return planFile({ code, file: pathOf(c.file), format: formatOf(c.file), specs: [c.spec], ...(parse ? { parse } : {}) });
}

export interface Annotations {
  expect: "sites" | "ambiguous" | "none";
  /** Line → sites expected on it. */
  must: Map<number, number>;
  mustNot: number[];
}

export function annotations(code: string): Annotations {
  const lines = code.split("\n");
  const header = /^\/\/ EXPECT: (ambiguous|none)\b/.exec(lines[0] ?? "")?.[1] as "ambiguous" | "none" | undefined;
  const must = new Map<number, number>();
  const mustNot: number[] = [];
  lines.forEach((text, i) => {
    if (/\bMUST-NOT\b/.test(text)) mustNot.push(i + 1);
    else {
      const m = /\/\/ MUST(?: x(\d+))?\s*$/.exec(text);
      if (m) must.set(i + 1, Number(m[1] ?? 1));
    }
  });
  return { expect: header ?? "sites", must, mustNot };
}

/** Every character of `original` is still in `edited`, in order: the edit only inserted text. */
export function isInsertOnly(original: string, edited: string): boolean {
  let j = 0;
  for (let i = 0; i < original.length; i += 1) {
    j = edited.indexOf(original[i]!, j);
    if (j === -1) return false;
    j += 1;
  }
  return true;
}

/**
 * Whether file selection (the engine's, on a one-file tree) picks the case's path for one of
 * its spec's targets: a case in a subfolder stands for a file the engine must find first.
 */
export async function isSelected(c: Pick<FixtureCase, "spec" | "file">): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "clawmend-select-"));
  try {
    mkdirSync(dirname(join(dir, pathOf(c.file))), { recursive: true });
    writeFileSync(join(dir, pathOf(c.file)), "");
    const copy: PackageCopy = { name: "fixture", version: "0.0.0", dir, relDir: ".", type: "module" };
    for (const target of c.spec.targets) if ((await selectFiles(copy, target)).files.includes(pathOf(c.file))) return true;
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `node --check` on a text, written with the file's extension. */
export function nodeCheck(text: string, file: string): { ok: boolean; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "clawmend-check-"));
  try {
    const path = join(dir, `check${extname(file) || ".js"}`);
    writeFileSync(path, text);
    const r = runSync(process.execPath, ["--check", path]);
    return { ok: r.code === 0, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every property a source patch owes its fixtures; throws (expect) on the first that fails. */
export async function checkSourceCase(c: FixtureCase): Promise<void> {
  const where = `fixtures/patches/${c.spec.id}/${c.file}`;
  expect(isParseFailure(parseProgram(c.code, formatOf(c.file))), `${where} itself parses`).toBe(false);
  const { expect: expected, must, mustNot } = annotations(c.code);
  const plan = planCase(c, c.code);
  const outcome = plan.outcomes.find((o) => o.specId === c.spec.id);
  expect(plan.parseError, where).toBeUndefined();
  if (expected === "ambiguous") {
    expect(outcome?.ambiguous, `${where}: refused`).toBeTruthy();
    expect(plan.output, `${where}: nothing written`).toBeNull();
    return;
  }
  expect(outcome?.ambiguous, where).toBeUndefined();
  if (expected === "none") {
    expect(outcome?.sites ?? [], `${where}: no site`).toEqual([]);
    expect(plan.output, `${where}: no byte changed`).toBeNull();
    if (isSourceTransform(c.spec.transform) && c.spec.transform.reads) {
      const partial = planCase(c, c.code, "partial");
      expect(partial.outcomes, `${where}: partial parse == whole parse`).toEqual(planCase(c, c.code, "whole").outcomes);
      expect(partial.output, `${where}: partial parse == whole parse`).toBeNull();
    }
    return;
  }
  if (c.file.includes("/")) expect(await isSelected(c), `${where}: selected by its spec's targets at ${pathOf(c.file)}`).toBe(true);
  const sites = outcome!.sites;
  expect(
    sites.every((s) => s.state === "patched"),
    `${where}: every site patched`,
  ).toBe(true);
  const got = new Map<number, number>();
  for (const s of sites) got.set(s.line, (got.get(s.line) ?? 0) + 1);
  expect(Object.fromEntries(got), `${where}: sites on exactly the MUST lines`).toEqual(Object.fromEntries(must));
  const output = plan.output!;
  const inLines = c.code.split("\n");
  const outLines = output.split("\n");
  for (const line of mustNot) expect(outLines[line - 1], `${where}:${line} is a decoy`).toBe(inLines[line - 1]);
  expect(isInsertOnly(c.code, output), `${where}: only inserts`).toBe(true);
  const check = nodeCheck(output, c.file);
  expect(check.stderr, `${where}: node --check`).toBe("");
  // Idempotent: re-run on its own output, it finds every site already there and edits nothing.
  const again = planCase(c, output);
  expect(again.output, `${where}: idempotent`).toBeNull();
  expect(
    again.outcomes.find((o) => o.specId === c.spec.id)!.sites.map((s) => s.state),
    `${where}: all already`,
  ).toEqual(sites.map(() => "already"));
  // Deterministic, and a partial parse decides exactly as a whole one.
  expect(planCase(c, c.code).output, `${where}: deterministic`).toBe(output);
  if (isSourceTransform(c.spec.transform) && c.spec.transform.reads) {
    expect(planCase(c, c.code, "partial").output, `${where}: partial parse == whole parse`).toBe(planCase(c, c.code, "whole").output);
  }
}

/** The ledger properties: the MUST paths recorded, every other entry as it was, idempotent, formatting kept. */
export function checkLedgerCase(c: FixtureCase): void {
  const where = `fixtures/patches/${c.spec.id}/${c.file}`;
  const { changes, must } = JSON.parse(
    readFileSync(join(PATCH_FIXTURES, c.spec.id, c.file.replace(/\.json$/, ".changes.json")), "utf8"),
  ) as {
    changes: FileChange[];
    must: string[];
  };
  const file = `dist/${c.file}`;
  const plan = planLedgerFile({ code: c.code, file, spec: { ...c.spec }, changes });
  expect(plan.ambiguous, where).toBeUndefined();
  expect(
    plan.sites
      .filter((s) => s.state === "patched")
      .map((s) => s.what.replace(/^\w+ /, ""))
      .sort(),
    `${where}: MUST paths recorded`,
  ).toEqual([...must].sort());
  const before = JSON.parse(c.code) as unknown[];
  const after = JSON.parse(plan.output ?? c.code) as unknown[];
  const pathOfItem = (item: unknown) => (typeof item === "string" ? item : (item as { path: string }).path);
  for (const item of before) {
    const path = pathOfItem(item);
    if (!must.includes(path))
      expect(
        after.find((x) => pathOfItem(x) === path),
        `${where}: ${path} untouched`,
      ).toEqual(item);
  }
  expect(after.length - before.length, `${where}: one entry per added file`).toBe(
    changes.filter((ch) => ch.added && must.includes(ch.path) && !before.some((i) => pathOfItem(i) === ch.path)).length,
  );
  const again = planLedgerFile({ code: plan.output ?? c.code, file, spec: c.spec, changes });
  expect(again.output, `${where}: idempotent`).toBeNull();
  if (plan.output && c.code === `${JSON.stringify(before, null, 2)}\n`) {
    expect(plan.output, `${where}: formatted like the rest`).toBe(`${JSON.stringify(after, null, 2)}\n`);
  }
}

/** The marker of a spec (what its inserted snippets carry). */
export function markerOf(spec: PatchSpec): string {
  return markerFor(spec.id, spec.version);
}

/**
 * The lines an edit changed, as `-`/`+` pairs, with an appended helper declaration shown as one
 * line: what a human reads in a before/after inline snapshot.
 */
export function editedLines(before: string, after: string): string {
  const b = after.split("\n");
  const fn = b.findIndex((line) => line.startsWith("function __clawmend_"));
  let helper: string | null = null;
  if (fn !== -1) {
    const start = fn > 0 && b[fn - 1]!.startsWith("/*@clawmend ") ? fn - 1 : fn;
    const end = b.lastIndexOf("}");
    helper = /function (\w+)/.exec(b[fn]!)![1]!;
    b.splice(start, end - start + 1);
  }
  const a = before.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if (a[i] === b[i]) continue;
    if (a[i]) out.push(`- ${a[i]}`);
    if (b[i]) out.push(`+ ${b[i]}`);
  }
  if (helper) out.push(`+ ${helper}(…) { … } (declared once, at the end)`);
  return out.join("\n");
}

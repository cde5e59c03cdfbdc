/**
 * Every status, decided by pure functions from (what is on disk, what the plan found, the mode):
 * read as tables.
 */
import { describe, expect, it } from "vitest";
import {
  aggregate,
  decideAdded,
  decideAddedByPlan,
  decideFile,
  decideNotWritten,
  decideOutsideRange,
  runExitCode,
  type Mode,
  type SpecPlan,
} from "../../src/verify/decide.js";
import { classifyAdded, classifyFile, type FileState } from "../../src/verify/state.js";
import type { FileResult, PatchResult } from "../../src/verify/status.js";

const entry = { before: "B", after: "A", size: 1, checked: ["p"], sites: { p: [{ line: 1, column: 0, what: "x" }] } };

describe("what a file is, against the manifest", () => {
  it.each([
    [undefined, "X", false, false, "untracked"],
    [entry, "A", false, true, "as-recorded"],
    [entry, "A", false, false, "recorded-otherwise"],
    [entry, "B", false, true, "original"],
    [entry, "X", true, true, "edited"],
    [entry, "X", false, true, "replaced"],
  ] as const)("entry %#: sha %s, marked %s, fresh %s → %s", (e, sha, marked, fresh, state) => {
    expect(classifyFile({ entry: e, sha, marked, fresh })).toBe(state);
  });

  it("an added file is present, missing or different", () => {
    expect(classifyAdded("S", "S")).toBe("present");
    expect(classifyAdded("S", null)).toBe("missing");
    expect(classifyAdded("S", "T")).toBe("differs");
  });
});

const plan = (over: Partial<SpecPlan> = {}): SpecPlan => ({
  patched: 1,
  already: 0,
  otherVersionMarker: false,
  fromOriginal: false,
  upToDate: false,
  ...over,
});

describe("the status of one patch on one file", () => {
  const rows: Array<[string, FileState, SpecPlan | null, Mode, string | null]> = [
    // state           plan                                   mode        status
    ["steady", "as-recorded", null, "verify", "already-applied"],
    ["steady, patch", "as-recorded", null, "patch", "already-applied"],
    ["pristine", "untracked", plan(), "verify", "unpatched"],
    ["pristine", "untracked", plan(), "dry-run", "unpatched"],
    ["pristine", "untracked", plan(), "patch", "applied"],
    ["reinstalled", "original", plan(), "verify", "unpatched"],
    ["reinstalled", "original", plan(), "patch", "applied"],
    ["replaced by the package", "replaced", plan(), "patch", "applied"],
    ["edited", "edited", plan({ fromOriginal: true }), "verify", "drifted"],
    ["edited", "edited", plan({ fromOriginal: true }), "patch", "applied"],
    ["other settings", "recorded-otherwise", plan({ fromOriginal: true }), "verify", "drifted"],
    [
      "other settings, same bytes",
      "recorded-otherwise",
      plan({ fromOriginal: true, upToDate: true, patched: 0, already: 1 }),
      "verify",
      "already-applied",
    ],
    ["other settings", "recorded-otherwise", plan({ fromOriginal: true }), "patch", "applied"],
    ["old marker, no original", "untracked", plan({ otherVersionMarker: true }), "patch", "drifted"],
    ["already carries it", "untracked", plan({ patched: 0, already: 1, upToDate: true }), "verify", "already-applied"],
    ["nothing here", "untracked", plan({ patched: 0 }), "verify", null],
    ["does not parse", "untracked", plan({ parseError: "syntax error at 1:1: x" }), "patch", "parse-error"],
    ["refused", "untracked", plan({ ambiguous: "two sites" }), "patch", "ambiguous"],
  ];
  it.each(rows)("%s: %s, %j, %s → %s", (_what, state, p, mode, status) => {
    const decision = decideFile({ mode, state, plan: p, recordedSites: p === null ? 1 : 0, marked: state === "edited" });
    expect(decision?.status ?? null).toBe(status);
  });

  it("a partly patched file fails verify as drifted", () => {
    expect(decideFile({ mode: "verify", state: "untracked", plan: plan(), recordedSites: 0, marked: true })?.status).toBe("drifted");
  });

  it("a drift from other settings says what reproduces them", () => {
    const decision = decideFile({
      mode: "verify",
      state: "recorded-otherwise",
      plan: plan({ fromOriginal: true }),
      recordedSites: 0,
      marked: true,
      otherwise: "patched with other settings (config: /etc/x.ts)",
    });
    expect(decision).toEqual({ status: "drifted", message: "patched with other settings (config: /etc/x.ts)" });
  });

  it.each<[FileState, string]>([
    ["original", "back to the package's original bytes (reinstalled?): run clawmend patch"],
    ["replaced", "the package replaced this file since clawmend patched it (updated?): run clawmend patch"],
    ["untracked", "not patched: run clawmend patch"],
  ])("verify of an unpatched file that is %s says why and what to run", (state, message) => {
    expect(decideFile({ mode: "verify", state, plan: plan(), recordedSites: 1, marked: false })).toEqual({ status: "unpatched", message });
  });
});

describe("the status of a file a patch adds", () => {
  it.each([
    ["present", "verify", null],
    ["missing", "verify", "unpatched"],
    ["differs", "verify", "drifted"],
    ["missing", "dry-run", "unpatched"],
    ["missing", "patch", "applied"],
    ["differs", "patch", "applied"],
  ] as const)("%s, %s → %s", (state, mode, status) => {
    expect(decideAdded(mode, state)?.status ?? null).toBe(status);
  });
});

describe("the files a plan adds", () => {
  const overlay = "dist/clawmend-overlay.mjs";
  it.each([
    // path                    earlier spec adding it                   status
    ["named clawmend-*", overlay, undefined, null],
    ["added by another spec, same content", overlay, { by: "q", content: "code" }, null],
    [
      "not named clawmend-*",
      "dist/overlay.mjs",
      undefined,
      { status: "ambiguous", message: "a file a patch adds must be named clawmend-* (no patch edits those)" },
    ],
    [
      "added by another spec, other content",
      overlay,
      { by: "q", content: "other code" },
      { status: "ambiguous", message: "q and p add it with different contents" },
    ],
  ] as const)("%s: %s, earlier %j → %j", (_what, path, earlier, decision) => {
    expect(decideAddedByPlan({ path, specId: "p", content: "code", earlier })).toEqual(decision);
  });
});

describe("a patch whose targets do not hold the package's version", () => {
  it.each([
    [["<2026.3.0"], { status: "not-applicable", message: "version 2026.9.6 is outside <2026.3.0" }],
    [["<2026.3.0", ">=2027.1.0"], { status: "not-applicable", message: "version 2026.9.6 is outside <2026.3.0 or >=2027.1.0" }],
  ] as const)("ranges %j → %j", (ranges, decision) => {
    expect(decideOutsideRange("2026.9.6", ranges)).toEqual(decision);
  });
});

describe("a result of a refused run (nothing written)", () => {
  it.each([
    ["applied", { status: "unpatched", message: "not written: the run was refused" }],
    ["already-applied", null],
    ["unpatched", null],
    ["ambiguous", null],
    ["not-applicable", null],
  ] as const)("%s → %j", (status, decision) => {
    expect(decideNotWritten(status)).toEqual(decision);
  });
});

const file = (status: FileResult["status"], sites = 1, message?: string): FileResult => ({
  file: `f-${status}`,
  status,
  sites: Array.from({ length: sites }, (_, i) => ({ line: i + 1, column: 0, what: "x" })),
  ...(message ? { message } : {}),
});

describe("a patch on a package copy", () => {
  it.each([
    [[file("applied"), file("already-applied")], "one", "ambiguous"],
    [[file("applied")], "one", "applied"],
    [[file("already-applied")], "one", "already-applied"],
    [[file("unpatched"), file("already-applied")], "at-least-one", "unpatched"],
    [[file("drifted"), file("applied")], "at-least-one", "drifted"],
    [[file("parse-error", 0)], "any", "parse-error"],
    [[], "any", "not-applicable"],
    [[], "one", "missing-target"],
    [[file("already-applied"), file("unpatched", 0, "missing")], "at-least-one", "unpatched"],
  ] as const)("%j, expect %s → %s", (files, expect_, status) => {
    expect(aggregate(files as unknown as FileResult[], expect_, "why").status).toBe(status);
  });
});

const result = (status: PatchResult["status"], required = true): PatchResult => ({
  patch: "p",
  version: 1,
  required,
  status,
  siteCount: 1,
  files: [],
});

describe("the exit code", () => {
  const base = { writeFailed: false, foundNothing: false, copyProblems: false };
  it.each([
    ["patch", [result("applied")], base, 0],
    ["patch", [result("ambiguous")], base, 3],
    ["patch", [result("ambiguous", false)], base, 0],
    ["patch", [result("applied")], { ...base, writeFailed: true }, 3],
    ["patch", [], { ...base, foundNothing: true }, 0],
    ["verify", [result("already-applied")], base, 0],
    ["verify", [result("unpatched")], base, 1],
    ["verify", [result("unpatched", false)], base, 0],
    ["verify", [], { ...base, foundNothing: true }, 1],
    ["verify", [result("already-applied")], { ...base, copyProblems: true }, 1],
    ["dry-run", [result("unpatched")], base, 0],
  ] as const)("%s %j %j → %i", (mode, results, flags, code) => {
    expect(runExitCode({ mode, results, ...flags })).toBe(code);
  });
});

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { resolveVllmSettings } from "../../src/config/settings.js";
import { networkInterfacesGuard } from "../../src/patches/network-interfaces-guard.js";
import { NETWORK_GUARD_HELPER, networkGuardHelperSource } from "../../src/patches/runtime/sources.js";
import type { PatchSpec } from "../../src/patches/spec.js";
import { planFile, type FilePlan } from "../../src/transforms/plan.js";
import type { Site } from "../../src/transforms/types.js";
import { wrapBuiltinExport } from "../../src/transforms/wrap-builtin-export.js";

export const REPO = join(import.meta.dirname, "..", "..");
export const FIXTURES = join(REPO, "fixtures", "network-guard");
export const MARKER = "/*@clawpatch network-interfaces-guard@1*/";
export const HELPER = NETWORK_GUARD_HELPER;

const settings = { vllm: resolveVllmSettings({}) };

/** The same spec with scopes resolved on the whole program (no pruning): must agree. */
export const unprunedSpec: PatchSpec = {
  ...networkInterfacesGuard,
  transform: wrapBuiltinExport({
    module: "os",
    exportName: "networkInterfaces",
    helperName: NETWORK_GUARD_HELPER,
    helperSource: networkGuardHelperSource,
    prune: false,
  }),
};

export function formatOf(file: string): "esm" | "cjs" {
  return file.endsWith(".cjs") ? "cjs" : "esm";
}

export function plan(code: string, file: string, spec: PatchSpec = networkInterfacesGuard): FilePlan {
  return planFile({ code, file, format: formatOf(file), specs: [spec], settings });
}

export function sitesOf(p: FilePlan): Site[] {
  return p.outcomes.flatMap((o) => o.sites);
}

/** `node --check` on the text, written with the file's extension. */
export function nodeCheck(text: string, file: string): { ok: boolean; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "ng-check-"));
  try {
    const path = join(dir, `check${extname(file) || ".js"}`);
    writeFileSync(path, text);
    const r = spawnSync(process.execPath, ["--check", path], { encoding: "utf8" });
    return { ok: r.status === 0, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Expected sites per line from `// MUST` (optionally `x N`) and decoy lines from `MUST-NOT`. */
export function annotations(code: string): { must: Map<number, number>; mustNot: number[] } {
  const must = new Map<number, number>();
  const mustNot: number[] = [];
  code.split("\n").forEach((text, i) => {
    if (/\bMUST-NOT\b/.test(text)) mustNot.push(i + 1);
    else {
      const m = /\/\/ MUST(?: x(\d+))?\s*$/.exec(text);
      if (m) must.set(i + 1, Number(m[1] ?? 1));
    }
  });
  return { must, mustNot };
}

/** Every character of `original` appears in `edited`, in order: the edit only inserted text. */
export function isSubsequence(original: string, edited: string): boolean {
  let j = 0;
  for (let i = 0; i < original.length; i += 1) {
    j = edited.indexOf(original[i]!, j);
    if (j === -1) return false;
    j += 1;
  }
  return true;
}

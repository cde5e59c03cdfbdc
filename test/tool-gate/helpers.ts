import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveVllmSettings, type VllmConfigInput } from "../../src/config/settings.js";
import { vllmToolGate } from "../../src/patches/vllm-tool-gate.js";
import { planFile, type FilePlan } from "../../src/transforms/plan.js";
import { REPO_ROOT } from "../support/real-packages.js";

export const FIXTURES = join(REPO_ROOT, "fixtures", "tool-gate");
export const MARKER = "/*@clawpatch vllm-tool-gate@1*/";

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

export function formatOf(file: string): "esm" | "cjs" {
  return file.endsWith(".cjs") ? "cjs" : "esm";
}

/** Runs the vllm-tool-gate spec alone on a text (the engine's per-file step). */
export function gate(code: string, file = "dist/x.js", vllm: VllmConfigInput = {}): FilePlan {
  return planFile({ code, file, format: formatOf(file), specs: [vllmToolGate], settings: { vllm: resolveVllmSettings(vllm) } });
}

/** The outcome of the spec on one file. */
export function outcome(plan: FilePlan) {
  const o = plan.outcomes.find((x) => x.specId === "vllm-tool-gate");
  if (!o) throw new Error("vllm-tool-gate did not look at the file (prefilter)");
  return o;
}

/** Every character of `original` is still in `patched`, in order (insert-only edits). */
export function isInsertOnly(original: string, patched: string): boolean {
  let j = 0;
  for (let i = 0; i < original.length; i++) {
    j = patched.indexOf(original[i]!, j);
    if (j === -1) return false;
    j += 1;
  }
  return true;
}

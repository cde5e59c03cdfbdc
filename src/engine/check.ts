import type { FileChange, PatchSpec } from "../core/spec.js";
import { planFile, planLedgerFile, type FilePlan } from "../transforms/plan.js";

/**
 * The proof before anything is written: the edited text must parse, and the same specs run on
 * it must find nothing left to do (idempotence, proven on every write). Returns why not, or null.
 */
export function checkSourcePlan(plan: FilePlan, file: string, format: "esm" | "cjs", specs: readonly PatchSpec[]): string | null {
  if (plan.output === null) return null;
  const again = planFile({
    code: plan.output,
    file,
    format,
    specs,
    ...(plan.partialOutput !== undefined ? { partialText: plan.partialOutput } : {}),
  });
  if (again.parseError) {
    return `the patched text does not parse (${again.parseError.line}:${again.parseError.column}: ${again.parseError.message}); nothing was written`;
  }
  if (again.output !== null) {
    const which = again.outcomes.filter((o) => o.sites.some((s) => s.state === "patched")).map((o) => o.specId);
    return `re-running ${which.join(", ")} on its own output would edit again (not idempotent); nothing was written`;
  }
  return null;
}

/** The same proof for a ledger file: run again on its output, it must change nothing. */
export function checkLedgerPlan(output: string | null, file: string, spec: PatchSpec, changes: readonly FileChange[]): string | null {
  if (output === null) return null;
  const again = planLedgerFile({ code: output, file, spec, changes });
  if (again.ambiguous) return `the synced file cannot be read again (${again.ambiguous}); nothing was written`;
  if (again.output !== null) return `re-running ${spec.id} on its own output would edit again (not idempotent); nothing was written`;
  return null;
}

import type { PatchSpec } from "../core/spec.js";
import type { Settings } from "../config/settings.js";
import type { Builtin, HelperSelfTest } from "./builtin-patch.js";
import { BUILTIN_FOLDERS } from "./builtin/index.generated.js";

/**
 * Every folder of src/patches/builtin/ (found by the build: `index.generated.ts`), in the order
 * they apply. The examples (src/patches/examples/) are not among them: they are never shipped.
 */
export function builtinFolders(): ReadonlyArray<{ folder: string; builtin: Builtin }> {
  return [...BUILTIN_FOLDERS].sort((a, b) => a.builtin.order - b.builtin.order || a.folder.localeCompare(b.folder));
}

/** Every built-in patch for these settings, in the order they are applied (examples left out). */
export function builtinPatches(settings: Settings): PatchSpec[] {
  return builtinFolders()
    .filter(({ builtin }) => !builtin.example)
    .flatMap(({ builtin }) => builtin.specs(settings));
}

/** What the doctor's self-test checks of the built-ins' helpers (examples left out). */
export function builtinSelfTests(): HelperSelfTest[] {
  return builtinFolders().flatMap(({ builtin }) => (builtin.example || !builtin.selfTest ? [] : [builtin.selfTest]));
}

import type { PatchSpec } from "../core/spec.js";
import type { VllmConfigInput } from "./settings.js";

/** What `patches.config.ts` exports. */
export interface UserConfig {
  vllm?: VllmConfigInput;
  /** The patches to apply: a list, or a function of the built-in ones. Default: every built-in. */
  patches?: PatchSpec[] | ((builtins: PatchSpec[]) => PatchSpec[]);
}

/** Typed identity for `patches.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

import { networkInterfacesGuard } from "./network-interfaces-guard.js";
import { runtimeOverlay, runtimeOverlayBin } from "./runtime-overlay.js";
import type { PatchSpec } from "./spec.js";
import { vllmToolGate } from "./vllm-tool-gate.js";

/** Every built-in patch, in the order they are applied. */
export function builtinPatches(): PatchSpec[] {
  return [vllmToolGate, runtimeOverlay, runtimeOverlayBin, networkInterfacesGuard];
}

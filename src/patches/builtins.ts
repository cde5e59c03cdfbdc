import type { PatchSpec } from "../core/spec.js";
import type { Settings } from "../config/settings.js";
import { gateConfigOf } from "./gate-config.js";
import { networkInterfacesGuard } from "./network-interfaces-guard.js";
import { openclawDistInventory } from "./openclaw-dist-inventory.js";
import { runtimeOverlay, runtimeOverlayBin } from "./runtime-overlay.js";
import { vllmToolGate } from "./vllm-tool-gate.js";

/** Every built-in patch for these settings, in the order they are applied. */
export function builtinPatches(settings: Settings): PatchSpec[] {
  const gate = gateConfigOf(settings.vllm);
  return [vllmToolGate(gate), runtimeOverlay(gate), runtimeOverlayBin(gate), networkInterfacesGuard, openclawDistInventory];
}

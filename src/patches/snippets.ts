/**
 * The text the built-in patches insert: the runtime code (src/patches/runtime/, bundled at build
 * time) wrapped as the function or module each patch needs, with its settings as one literal.
 * Deterministic: the same settings give the same bytes.
 */
import { assertMarker } from "../transforms/marker.js";
import type { GateConfig } from "./gate-config.js";
import { networkGuardBody, overlayBundle, toolGateBody } from "./runtime-bundles.generated.js";

export const TOOL_GATE_HELPER = "__clawmend_vllmToolGate";
export const NETWORK_GUARD_HELPER = "__clawmend_guardNetworkInterfaces";

/** Packages whose own nested `undici` the overlay also hooks (2026.9.x sends via `@openclaw/ai`). */
export const OVERLAY_UNDICI_HOSTS: readonly string[] = ["@openclaw/ai"];

/** `function __clawmend_vllmToolGate(params, model)`: the payload gate with its settings. */
export function toolGateHelper(cfg: GateConfig, marker: string): string {
  assertMarker(marker);
  return `${marker}
function ${TOOL_GATE_HELPER}(params, model) {
"use strict";
${toolGateBody}  return gate(params, model, ${JSON.stringify(cfg)});
}
`;
}

/** `function __clawmend_guardNetworkInterfaces(fn, self)`: the network enumeration guard. */
export function networkGuardHelper(marker: string): string {
  assertMarker(marker);
  return `${marker}
function ${NETWORK_GUARD_HELPER}(fn, self) {
"use strict";
${networkGuardBody}  return guardNetworkInterfaces(fn, self);
}
`;
}

/** The overlay module for an ES module or CommonJS entry. */
export function overlayModule(cfg: GateConfig, format: "esm" | "cjs", marker: string): string {
  assertMarker(marker);
  const args = `${JSON.stringify(cfg)}, ${JSON.stringify(OVERLAY_UNDICI_HOSTS)}, ${JSON.stringify(marker.slice(2, -2))}`;
  if (format === "esm") {
    return `${marker}
import { createRequire as __clawmend_createRequire } from "node:module";
${overlayBundle}__clawmend_runtime.installOverlay(__clawmend_createRequire(import.meta.url), import.meta.url, "esm", ${args});
`;
  }
  return `${marker}
"use strict";
${overlayBundle}__clawmend_runtime.installOverlay(require, __filename, "cjs", ${args});
`;
}

/** Names operators grep for, and the `globalThis` symbols (via `Symbol.for`) every copy of the runtime code shares. */

/** Tag of the fetch-boundary guard in logs and errors. */
export const EDGE_CALLSITE_TAG = "gateway.edge.final_dispatch";
export const BYPASS_ERROR_CODE = "TOOL_PAYLOAD_SANITIZER_BYPASSED";
export const NETWORK_ENUM_DEGRADED = "NETWORK_ENUM_DEGRADED";

export const RUNTIME_SYMBOLS = {
  gateWarned: "clawpatch.vllmToolGate.warned",
  invariantWarned: "clawpatch.toolChoiceInvariant.warned",
  networkGuardWrapper: "clawpatch.networkGuard.wrapper",
  networkGuardCache: "clawpatch.networkGuard.cache",
  networkEnumLogged: "clawpatch.networkEnumDegraded.logged",
  overlayInstalled: "clawpatch.overlay.installed",
  fetchWrapped: "clawpatch.overlay.fetchWrapped",
  edgeShapesWarned: "clawpatch.overlay.edgeShapesWarned",
} as const;

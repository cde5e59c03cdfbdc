/** Names shared by the injected code, the engine and the tests. */
export const TOOL_GATE_HELPER = "__clawpatch_vllmToolGate";
export const NETWORK_GUARD_HELPER = "__clawpatch_guardNetworkInterfaces";

/** Tag of the fetch-boundary guard in logs and errors (operators grep for it). */
export const EDGE_CALLSITE_TAG = "gateway.edge.final_dispatch";
export const BYPASS_ERROR_CODE = "TOOL_PAYLOAD_SANITIZER_BYPASSED";

/** `globalThis` symbols (via `Symbol.for`) shared by every copy of the injected code. */
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

/** Names operators grep for, and the `globalThis` symbols (via `Symbol.for`) every copy of the runtime code shares. */

/** Tag of the fetch-boundary guard in logs and errors. */
export const EDGE_CALLSITE_TAG = "gateway.edge.final_dispatch";
export const BYPASS_ERROR_CODE = "TOOL_PAYLOAD_SANITIZER_BYPASSED";
export const NETWORK_ENUM_DEGRADED = "NETWORK_ENUM_DEGRADED";

export const RUNTIME_SYMBOLS = {
  gateWarned: "clawmend.vllmToolGate.warned",
  invariantWarned: "clawmend.toolChoiceInvariant.warned",
  networkGuardWrapper: "clawmend.networkGuard.wrapper",
  networkGuardCache: "clawmend.networkGuard.cache",
  networkEnumLogged: "clawmend.networkEnumDegraded.logged",
  overlayInstalled: "clawmend.overlay.installed",
  fetchWrapped: "clawmend.overlay.fetchWrapped",
  edgeShapesWarned: "clawmend.overlay.edgeShapesWarned",
  learnedOrigins: "clawmend.learnedGate.origins",
  learnedReported: "clawmend.learnedGate.reported",
  notReplayableLogged: "clawmend.learnedGate.notReplayableLogged",
} as const;

/** Names operators grep for, and the keys of the symbols every copy of the runtime code shares. */

/** Tag of the fetch-boundary guard in logs and errors. */
export const EDGE_CALLSITE_TAG = "gateway.edge.final_dispatch";
export const BYPASS_ERROR_CODE = "TOOL_PAYLOAD_SANITIZER_BYPASSED";
export const NETWORK_ENUM_DEGRADED = "NETWORK_ENUM_DEGRADED";

/** Keys of the `Symbol.for` symbols on `globalThis` that every copy of the runtime code shares (one constant each: a helper carries only those it uses). */
export const GATE_WARNED_KEY = "clawmend.vllmToolGate.warned";
export const INVARIANT_WARNED_KEY = "clawmend.toolChoiceInvariant.warned";
export const NETWORK_GUARD_WRAPPER_KEY = "clawmend.networkGuard.wrapper";
export const NETWORK_GUARD_CACHE_KEY = "clawmend.networkGuard.cache";
export const NETWORK_ENUM_LOGGED_KEY = "clawmend.networkEnumDegraded.logged";
export const OVERLAY_INSTALLED_KEY = "clawmend.overlay.installed";
export const FETCH_WRAPPED_KEY = "clawmend.overlay.fetchWrapped";
export const EDGE_SHAPES_WARNED_KEY = "clawmend.overlay.edgeShapesWarned";
export const LEARNED_ORIGINS_KEY = "clawmend.learnedGate.origins";
export const LEARNED_REPORTED_KEY = "clawmend.learnedGate.reported";
export const NOT_REPLAYABLE_LOGGED_KEY = "clawmend.learnedGate.notReplayableLogged";

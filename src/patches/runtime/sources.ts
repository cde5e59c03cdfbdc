/**
 * Source text of the JavaScript clawpatch injects into OpenClaw and pi-ai. Everything here
 * returns plain, self-contained JavaScript (no imports, no requires in the helpers, ES2018),
 * deterministic for the same inputs, starting with the caller's marker comment.
 *
 * - `toolGateHelperSource`: `function __clawpatch_vllmToolGate(params, model)`; the vLLM tool
 *   gate patch wraps the payload builder's return value with it.
 * - `networkGuardHelperSource`: `function __clawpatch_guardNetworkInterfaces(fn, self)`; the
 *   network guard patch rewrites each `os.networkInterfaces` value `V` of object `O` into
 *   `__clawpatch_guardNetworkInterfaces(V, O)`.
 * - `overlayModuleSource`: the runtime overlay module (ESM or CJS from one template).
 *
 * The gate decision lives once, in `tool-gate-core.ts` (`TOOL_GATE_CORE_SOURCE`), and is
 * embedded verbatim in both the gate helper and the overlay.
 */
import type { VllmSettings } from "../../config/settings.js";
import { TOOL_GATE_CORE_SOURCE, assertMarker, gateConfigLiteral } from "./tool-gate-core.js";
import { NETWORK_GUARD_HELPER, RUNTIME_SYMBOLS, TOOL_GATE_HELPER } from "./constants.js";
import { networkGuardFunction } from "./network-guard.js";

export { TOOL_GATE_CORE_SOURCE, loadToolGateCore, bakeGateConfig, gateConfigLiteral } from "./tool-gate-core.js";
export type { GateConfig, ToolGateCore, ToolGateDecision } from "./tool-gate-core.js";

export { TOOL_GATE_HELPER, NETWORK_GUARD_HELPER, EDGE_CALLSITE_TAG, BYPASS_ERROR_CODE, RUNTIME_SYMBOLS } from "./constants.js";

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((line) => (line.length > 0 ? by + line : line))
    .join("\n");
}

/**
 * `function __clawpatch_vllmToolGate(params, model)`: returns `params` itself unless the
 * payload must change; then a shallow copy without `tools`/`tool_choice`. A thenable is
 * gated when it resolves. Never throws (any internal error returns `params` as is).
 */
export function toolGateHelperSource(settings: VllmSettings, marker: string): string {
  assertMarker(marker);
  const cfg = gateConfigLiteral(settings);
  return `${marker}
function ${TOOL_GATE_HELPER}(params, model) {
  "use strict";
${indent(TOOL_GATE_CORE_SOURCE, "  ")}
  if (params === null || (typeof params !== "object" && typeof params !== "function")) return params;
  try {
    if (typeof params.then === "function") {
      return params.then(function (resolved) {
        return ${TOOL_GATE_HELPER}(resolved, model);
      });
    }
    if (typeof params !== "object") return params;
    var cfg = ${cfg};
    var gated = __cp_isGatedModel(model, cfg);
    var calling = gated ? __cp_toolCalling(cfg) : { enabled: true, source: "not-gated" };
    var decision = __cp_decide(params, gated, calling.enabled);
    if (decision === null) return params;
    var out = __cp_without(params, decision.removed);
    var m = model !== null && typeof model === "object" ? model : {};
    var line = {
      level: "warn",
      msg: decision.reason === "tool_calling_disabled" ? "vllm_tool_payload_stripped" : "tool_choice_without_tools_removed",
      tools: decision.tools,
      endpoint: __cp_safeOrigin(m.baseUrl),
      provider: typeof m.provider === "string" ? m.provider : null,
      model: typeof m.id === "string" ? m.id : null,
      removed: decision.removed,
      tool_calling: calling.source,
      source: "clawpatch"
    };
    if (__cp_once(decision.reason === "tool_calling_disabled" ? "${RUNTIME_SYMBOLS.gateWarned}" : "${RUNTIME_SYMBOLS.invariantWarned}")) {
      __cp_emit(line);
    }
    return out;
  } catch (e) {
    return params;
  }
}
`;
}

/**
 * `function __clawpatch_guardNetworkInterfaces(fn, self)`: returns a guarded function
 * (cached per `fn` across all copies of the helper) that calls `fn` with the call's `this`,
 * or `self` when called without one; on a throw it returns `{}` and logs once per process.
 * A non-function is returned unchanged; an already guarded function is returned as is.
 */
export function networkGuardHelperSource(marker: string): string {
  assertMarker(marker);
  return `${marker}\n${networkGuardFunction()}\n`;
}

export {
  overlayModuleSource,
  overlayImportSource,
  OVERLAY_DEFAULT_UNDICI_HOSTS,
  OVERLAY_FILE_NAMES,
  type OverlayOptions,
} from "./overlay.js";

/**
 * The payload gate: the vLLM tool gate patch passes every value the payload builder returns
 * through `gate(value, model, cfg)`. Returns the value itself unless it must change; then a
 * shallow copy without `tools`/`tool_choice`. A thenable is gated when it resolves. Never throws.
 */
import { decide, emit, isGatedModel, once, safeOrigin, toolCalling, without, type GateConfig } from "../../../runtime/gated-request.js";
import { GATE_WARNED_KEY, INVARIANT_WARNED_KEY } from "../../../runtime/symbols.js";

export function gate(params: unknown, model: unknown, cfg: GateConfig): unknown {
  if (params === null || (typeof params !== "object" && typeof params !== "function")) return params;
  try {
    const then = (params as { then?: unknown }).then;
    if (typeof then === "function") {
      return (params as PromiseLike<unknown>).then((resolved) => gate(resolved, model, cfg));
    }
    if (typeof params !== "object") return params;
    const gated = isGatedModel(model, cfg);
    const calling = gated ? toolCalling(cfg) : { enabled: true, source: "not-gated" };
    const decision = decide(params, gated, calling.enabled);
    if (decision === null) return params;
    const out = without(params, decision.removed);
    const m = (model !== null && typeof model === "object" ? model : {}) as { baseUrl?: unknown; provider?: unknown; id?: unknown };
    const stripped = decision.reason === "tool_calling_disabled";
    if (once(stripped ? GATE_WARNED_KEY : INVARIANT_WARNED_KEY)) {
      emit({
        level: "warn",
        msg: stripped ? "vllm_tool_payload_stripped" : "tool_choice_without_tools_removed",
        tools: decision.tools,
        endpoint: safeOrigin(m.baseUrl),
        provider: typeof m.provider === "string" ? m.provider : null,
        model: typeof m.id === "string" ? m.id : null,
        removed: decision.removed,
        tool_calling: calling.source,
        source: "clawmend",
      });
    }
    return out;
  } catch {
    return params;
  }
}

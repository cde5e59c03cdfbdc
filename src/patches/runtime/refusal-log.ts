/**
 * The log lines of the learned gate: what the server refused and what was done, once per origin
 * and change; the server's message is bounded, and no key, header or body is ever logged.
 */
import { emit, once, type ToolCalling } from "./gated-request.js";
import type { OriginKey } from "./learned-origins.js";
import { LEARNED_REPORTED_KEY, NOT_REPLAYABLE_LOGGED_KEY } from "./symbols.js";

const SERVER_FIX = "start the vLLM server with --enable-auto-tool-choice --tool-call-parser <the parser for its model>";

export type Outcome = "retried_without_tools" | "returned_to_caller";

/** The first refusal of an origin (and each one after it was unlearned). */
export function logUnavailable(k: OriginKey, message: string | null, outcome: Outcome, why: string | null, recheckMs: number): void {
  emit({
    level: "warn",
    msg: "vllm_tool_calling_unavailable",
    origin: k.origin,
    model: k.model,
    server_message: message,
    action: outcome,
    why,
    then: `later requests to ${k.origin} ${why === "strict" ? "that carry tools are refused (OPENCLAW_STRICT_TOOL_PAYLOAD=1)" : "go out without tools"}; tools are tried again after ${recheckMs} ms`,
    fixes: [
      `${SERVER_FIX}, and set vllm.toolCalling.enabled (or OPENCLAW_VLLM_TOOLCALL=1)`,
      `add ${JSON.stringify(k.origin)} to vllm.endpoints in the clawmend config and run clawmend patch again: the first refused request is skipped`,
    ],
    source: "clawmend",
  });
}

/** A refusal while tool calling is enabled: nothing is changed, the server needs the fix. Once per origin. */
export function logRefusedWithToolCalling(k: OriginKey, message: string | null, calling: ToolCalling): void {
  if (!once(`${LEARNED_REPORTED_KEY} ${k.origin}`)) return;
  emit({
    level: "error",
    msg: "vllm_tool_calling_unavailable",
    origin: k.origin,
    model: k.model,
    server_message: message,
    action: "returned_to_caller",
    why: "tool_calling_enabled",
    tool_calling: calling.source,
    fixes: [
      `${SERVER_FIX} (tool calling is enabled by ${calling.source})`,
      "or turn tool calling off (OPENCLAW_VLLM_TOOLCALL=0, or vllm.toolCalling.enabled: false) so that requests go out without tools",
    ],
    source: "clawmend",
  });
}

/** A re-check was accepted: the server takes tools again. */
export function logAvailableAgain(k: OriginKey): void {
  emit({
    level: "info",
    msg: "vllm_tool_calling_available",
    origin: k.origin,
    model: k.model,
    action: "tools_sent_again",
    source: "clawmend",
  });
}

/** A body that cannot be read or sent twice goes out unchanged. Once per process. */
export function logNotReplayable(k: OriginKey, bodyKind: string): void {
  if (!once(NOT_REPLAYABLE_LOGGED_KEY)) return;
  emit({
    level: "warn",
    msg: "vllm_tool_refusal_not_replayable",
    origin: k.origin,
    model: k.model,
    body_kind: bodyKind,
    reason:
      "the request body is a stream (or a Request's own body): it cannot be read before sending or sent twice, so it went out unchanged",
    source: "clawmend",
  });
}

/**
 * Strict mode (`OPENCLAW_STRICT_TOOL_PAYLOAD=1`): a request that still carries tool fields to a
 * gated or learned vLLM origin is never sent; the caller gets a synthetic HTTP 400 whose JSON
 * body has the OpenAI error shape, so an OpenAI-style client shows the code and does not retry
 * (a rejected fetch reads as a network failure: retried, then "Connection error."). One log line.
 */
import { emit } from "./gated-request.js";
import { BYPASS_ERROR_CODE, EDGE_CALLSITE_TAG } from "./symbols.js";

type ResponseConstructor = new (body: string, init: object) => unknown;

export interface RefusalBody {
  error: { message: string; code: string; [key: string]: unknown };
}

/** Why the request should not have carried tools here. */
export type BypassReason = "tool_calling_disabled" | "tool_choice_without_tools" | "learned_refusal";

const RESTART = "Run 'clawmend doctor' to see which runtime really executes and 'clawmend patch --root <that runtime>'.";
const UNSET = "Unset OPENCLAW_STRICT_TOOL_PAYLOAD to sanitise at the edge instead of refusing.";

function remediationFor(reason: BypassReason, origin: string): string {
  if (reason === "tool_choice_without_tools") {
    return `The request carried tool_choice without a non-empty tools array, which the payload gate removes: the gate did not run for this request. ${RESTART} ${UNSET}`;
  }
  if (reason === "learned_refusal") {
    return `This server refused tool calling earlier in this process, and no setting names it as a vLLM endpoint, so the payload gate does not strip tools for it. Start the server with --enable-auto-tool-choice --tool-call-parser <parser> and set vllm.toolCalling.enabled (or OPENCLAW_VLLM_TOOLCALL=1), or add ${JSON.stringify(origin)} to vllm.endpoints and run clawmend patch again. ${UNSET}`;
  }
  return `The vLLM tool gate in the payload builder did not run for this request (an unpatched or stale runtime, or a code path it does not cover). ${RESTART} If this vLLM server runs with --enable-auto-tool-choice --tool-call-parser, set vllm.toolCalling.enabled (or OPENCLAW_VLLM_TOOLCALL=1). ${UNSET}`;
}

/** Logs the refusal and returns the body the caller gets. */
export function bypassRefusal(x: URL, model: string | null, removed: string[], reason: BypassReason, via: string): RefusalBody {
  const remediation = remediationFor(reason, x.origin);
  const message = `${BYPASS_ERROR_CODE}: a request to the vLLM endpoint ${x.origin} (model ${model === null ? "unknown" : model}) still carried ${removed.join(" and ")} at ${EDGE_CALLSITE_TAG}; clawmend refused to send it. ${remediation}`;
  emit({
    level: "error",
    msg: "tool_payload_sanitizer_bypassed",
    code: BYPASS_ERROR_CODE,
    origin: x.origin,
    model,
    callsite_tag: EDGE_CALLSITE_TAG,
    removed,
    reason,
    via,
    remediation,
    source: "clawmend",
  });
  return {
    error: {
      message,
      type: "clawmend_strict_tool_payload",
      code: BYPASS_ERROR_CODE,
      param: null,
      origin: x.origin,
      provider_id: null,
      model,
      callsite_tag: EDGE_CALLSITE_TAG,
      removed: removed.slice(),
      reason,
      remediation,
    },
  };
}

export function refusalResponse(body: RefusalBody, ResponseCtor: ResponseConstructor | undefined): Promise<unknown> {
  const text = JSON.stringify(body);
  const init = {
    status: 400,
    statusText: "Bad Request",
    headers: { "content-type": "application/json", "x-clawmend-refused": BYPASS_ERROR_CODE },
  };
  const G = globalThis as unknown as { Response?: unknown };
  const GlobalResponse = typeof G.Response === "function" ? (G.Response as ResponseConstructor) : undefined;
  const Ctor = typeof ResponseCtor === "function" ? ResponseCtor : GlobalResponse;
  if (Ctor === undefined) {
    const error = Object.assign(new Error(body.error.message), { name: "ToolPayloadBypassError", code: BYPASS_ERROR_CODE, body });
    return Promise.reject(error);
  }
  try {
    return Promise.resolve(new Ctor(text, init));
  } catch {
    return Promise.resolve(new GlobalResponse!(text, init));
  }
}

/**
 * `OPENCLAW_TRACE_VLLM_OUTBOUND=1`: one line per request to a gated or learned vLLM origin, and
 * one per non-2xx answer from a local server (status and the server's message, bounded). Never a
 * header, a key, a query value or a body.
 */
import { emit, envFlag } from "./gated-request.js";
import { targetUrl, type Outbound } from "./outbound.js";
import { EDGE_CALLSITE_TAG } from "./symbols.js";

export function tracing(): boolean {
  return envFlag("OPENCLAW_TRACE_VLLM_OUTBOUND") === true;
}

function stackFingerprint(selfFile: string): string | null {
  const limit = Error.stackTraceLimit;
  let stack = "";
  try {
    Error.stackTraceLimit = 30;
    stack = String(new Error().stack || "");
  } catch {
    return null;
  } finally {
    Error.stackTraceLimit = limit;
  }
  const out: string[] = [];
  for (const raw of stack.split("\n").slice(1)) {
    if (out.length >= 4) break;
    const line = raw.trim();
    const m = /\((.+):(\d+):\d+\)$/.exec(line) || /^at (?:async )?(.+):(\d+):\d+$/.exec(line);
    if (!m) continue;
    const file = m[1]!.replace(/[?#].*$/, "");
    if (file === selfFile || file.indexOf("node:") === 0 || file.indexOf("internal/") === 0 || file.indexOf("<anonymous>") !== -1) continue;
    out.push(`${file}:${m[2]}`);
  }
  return out.length ? out.join(" | ") : null;
}

export interface Sent {
  /** The payload as it goes out (null: not a JSON object). */
  wire: Record<string, unknown> | null;
  length: number | null;
  action: string;
  via: string;
  selfFile: string;
}

export function traceRequest(out: Outbound, sent: Sent): void {
  const wire = sent.wire;
  emit({
    subsystem: "tool_payload_trace",
    event: "vllm_outbound_trace",
    ts: new Date().toISOString(),
    target_url: targetUrl(out.url),
    method: out.method,
    content_length: sent.length,
    payload_top_keys: wire !== null ? Object.keys(wire) : null,
    has_tools: wire !== null ? Object.prototype.hasOwnProperty.call(wire, "tools") : null,
    has_tool_choice: wire !== null ? Object.prototype.hasOwnProperty.call(wire, "tool_choice") : null,
    callsite_tag: EDGE_CALLSITE_TAG,
    stack_fingerprint: stackFingerprint(sent.selfFile),
    action: sent.action,
    body_kind: out.read.kind,
    model: out.model,
    via: sent.via,
  });
}

export function traceAnswer(out: Outbound, status: number, message: string | null, action: string, via: string): void {
  emit({
    subsystem: "tool_payload_trace",
    event: "vllm_response_trace",
    ts: new Date().toISOString(),
    target_url: targetUrl(out.url),
    method: out.method,
    status,
    server_message: message,
    callsite_tag: EDGE_CALLSITE_TAG,
    action,
    model: out.model,
    via,
  });
}

/**
 * The learned gate at the fetch boundary: carries out what `decideRequest` (tool-refusal.ts)
 * decides for one call, before it is sent and once more on its answer. The caller gets the
 * server's answer or, after vLLM's tool-calling refusal, the answer to the one retry without the
 * tool fields; the refused answer is read from a clone, so no stream the caller gets is touched.
 */
import { env, envFlag, isLoopbackHost, toolCalling, without, type GateConfig } from "./gated-request.js";
import { forget, learnedOf, markChecked, remember, type OriginKey } from "./learned-origins.js";
import { withPayload, type Outbound } from "./outbound.js";
import { logAvailableAgain, logNotReplayable, logRefusedWithToolCalling, logUnavailable } from "./refusal-log.js";
import { bypassRefusal, refusalResponse } from "./strict-refusal.js";
import { decideRequest, recheckInterval, serverMessage, TOOL_FIELDS, type Mode, type RequestFacts } from "./tool-refusal.js";
import { traceAnswer, traceRequest, tracing } from "./trace.js";

type ResponseConstructor = new (body: string, init: object) => unknown;

export interface Edge {
  via: string;
  cfg: GateConfig;
  selfFile: string;
  ResponseCtor?: ResponseConstructor;
}

/** Sends the call with this init (null: the one it was made with). */
export type Send = (init: Record<string, unknown> | null) => unknown;

/** How long reading a refused answer's body may take before it counts as unreadable. */
const READ_TIMEOUT_MS = 2000;

interface Call {
  out: Outbound;
  key: OriginKey;
  facts: RequestFacts;
  mode: Mode;
  edge: Edge;
  send: Send;
  /** Trace lines for this call's requests (a gated or learned origin) and answers (also any loopback server). */
  traceRequests: boolean;
  traceAnswers: boolean;
}

function modeOf(cfg: GateConfig): Mode {
  return {
    toolCalling: toolCalling(cfg).enabled,
    strict: envFlag("OPENCLAW_STRICT_TOOL_PAYLOAD") === true,
    recheckMs: recheckInterval(env("OPENCLAW_VLLM_TOOL_RECHECK_MS")),
  };
}

function factsOf(out: Outbound): RequestFacts {
  const chat = out.method === "POST" && /\/chat\/completions\/?$/.test(out.url.pathname);
  const p = out.payload;
  if (p !== null) return { chat, body: "json", toolFields: TOOL_FIELDS.some((k) => Object.prototype.hasOwnProperty.call(p, k)) };
  const unreadable = out.read.kind === "request" || out.read.kind === "other";
  return { chat, body: unreadable ? "unreadable" : "none", toolFields: false };
}

function presentToolFields(out: Outbound): string[] {
  return TOOL_FIELDS.filter((k) => out.payload !== null && Object.prototype.hasOwnProperty.call(out.payload, k));
}

function stripped(out: Outbound): { out: Outbound; length: number | null } {
  return withPayload(out, without(out.payload!, presentToolFields(out)));
}

function statusOf(response: unknown): number | null {
  const status = response !== null && typeof response === "object" ? (response as { status?: unknown }).status : undefined;
  return typeof status === "number" ? status : null;
}

/** The server's error message, read from a clone of the answer (the answer itself stays unread). */
async function messageOf(response: unknown): Promise<string | null> {
  const r = response as { clone?: () => { text(): Promise<string> } };
  if (typeof r.clone !== "function") return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const text = await Promise.race([
      r.clone().text(),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), READ_TIMEOUT_MS);
      }),
    ]);
    return serverMessage(text);
  } catch {
    return null;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function discard(response: unknown): void {
  try {
    const body = (response as { body?: { cancel?: () => Promise<void> } }).body;
    if (body && typeof body.cancel === "function") body.cancel().catch(() => undefined);
  } catch {
    // an answer nobody reads is collected anyway
  }
}

function sendTraced(call: Call, out: Outbound, length: number | null, action: string): unknown {
  if (call.traceRequests) traceRequest(out, { wire: out.payload, length, action, via: call.edge.via, selfFile: call.edge.selfFile });
  const sent = call.send(out.init);
  if (!call.traceAnswers) return sent;
  return Promise.resolve(sent).then(async (response) => {
    const status = statusOf(response);
    if (status !== null && (status < 200 || status >= 300)) traceAnswer(out, status, await messageOf(response), action, call.edge.via);
    return response;
  });
}

/**
 * Sends one call (already through the configured gate: `action` says what it did) the way the
 * learned gate decides, and returns what the caller gets.
 */
export function sendLearning(out: Outbound, send: Send, edge: Edge, gated: boolean, action: string, length: number | null): unknown {
  const key: OriginKey = { origin: out.url.origin, model: out.model };
  const learned = learnedOf(key);
  const trace = tracing();
  const call: Call = {
    out,
    key,
    facts: factsOf(out),
    mode: modeOf(edge.cfg),
    edge,
    send,
    traceRequests: trace && (gated || learned !== null),
    traceAnswers: trace && (gated || learned !== null || isLoopbackHost(out.url.hostname)),
  };
  const before = decideRequest({ request: call.facts, learned, mode: call.mode, now: Date.now(), answer: null });
  switch (before.kind) {
    case "refuse": {
      if (call.traceRequests) traceRequest(out, { wire: out.payload, length, action: "refused", via: edge.via, selfFile: edge.selfFile });
      return refusalResponse(bypassRefusal(out.url, out.model, presentToolFields(out), "learned_refusal", edge.via), edge.ResponseCtor);
    }
    case "strip": {
      const s = stripped(out);
      return sendTraced(call, s.out, s.length, "stripped_learned");
    }
    case "send-unreadable":
      logNotReplayable(key, out.read.kind);
      return sendTraced(call, out, length, action);
    case "recheck":
      markChecked(key, Date.now());
      return watch(call, sendTraced(call, out, length, "recheck"));
    case "send":
      return watch(call, sendTraced(call, out, length, action));
    default:
      return call.traceRequests || call.traceAnswers ? sendTraced(call, out, length, action) : send(out.init);
  }
}

/** Decides again on the answer: hands it back, or the answer to the one retry without tools. */
function watch(call: Call, sent: unknown): Promise<unknown> {
  return Promise.resolve(sent).then(async (response) => {
    const status = statusOf(response);
    if (status === null) return response;
    const learned = learnedOf(call.key);
    if (status >= 200 && status < 300 && learned === null) return response;
    const message = status === 400 ? await messageOf(response) : null;
    const now = Date.now();
    const after = decideRequest({ request: call.facts, learned, mode: call.mode, now, answer: { status, message } });
    switch (after.kind) {
      case "retry-stripped": {
        if (remember(call.key, now)) logUnavailable(call.key, message, "retried_without_tools", null, call.mode.recheckMs);
        discard(response);
        const s = stripped(call.out);
        return sendTraced(call, s.out, s.length, "retried_without_tools");
      }
      case "learn":
        if (remember(call.key, now)) logUnavailable(call.key, message, "returned_to_caller", after.why, call.mode.recheckMs);
        if (after.why === "body-not-replayable") logNotReplayable(call.key, call.out.read.kind);
        return response;
      case "report":
        logRefusedWithToolCalling(call.key, message, toolCalling(call.edge.cfg));
        return response;
      case "unlearn":
        forget(call.key);
        logAvailableAgain(call.key);
        return response;
      default:
        return response;
    }
  });
}

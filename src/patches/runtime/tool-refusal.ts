/**
 * What the fetch boundary does with a chat-completions request to an origin nobody named as a
 * vLLM, given what the server answered so far: the learned gate's one decision, pure (no clock,
 * no environment, no memory of its own; the overlay passes all of it in).
 *
 * Before sending (`answer: null`): send and watch the answer, strip the tool fields (the origin
 * refused them before), re-check with tools (the interval is over), refuse (strict mode), or let
 * it pass. After the answer: retry once without the tool fields, learn without a retry, report
 * (tool calling is enabled), unlearn (a re-check was accepted), or let it pass.
 */

/** The fields a request without tool calling must not carry. */
export const TOOL_FIELDS: readonly string[] = ["tools", "tool_choice", "parallel_tool_calls"];

/** Re-check a learned origin after this long, unless `OPENCLAW_VLLM_TOOL_RECHECK_MS` says otherwise. */
export const DEFAULT_RECHECK_MS = 10 * 60_000;
const RECHECK_BOUNDS = { min: 100, max: 24 * 60 * 60_000 };

/** The longest server message a log line carries. */
export const MESSAGE_LIMIT = 300;

/**
 * vLLM's refusals of a request whose tool calling the server was not started for: `"auto"` (also
 * what vLLM assumes for tools without `tool_choice`), and, before vLLM 0.8.3, `"required"`.
 */
const REFUSALS: readonly RegExp[] = [
  /"auto" tool choice requires --enable-auto-tool-choice/,
  /tool_choice\s*=\s*"required" is not supported/,
  /`?tool_choice`? must either be a named tool/,
];

export function isToolCallingRefusal(message: string | null): boolean {
  return message !== null && REFUSALS.some((pattern) => pattern.test(message));
}

/**
 * The server's error message in an error body, at most `limit` characters: `{"error":{"message"}}`
 * (current vLLM), `{"object":"error","message"}` (older vLLM), or `{"detail"}` (a string).
 */
export function serverMessage(text: string | null, limit = MESSAGE_LIMIT): string | null {
  if (text === null) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (body === null || typeof body !== "object") return null;
  const b = body as { error?: unknown; message?: unknown; detail?: unknown };
  const inner = b.error !== null && typeof b.error === "object" ? (b.error as { message?: unknown }).message : undefined;
  const found = [inner, b.error, b.message, b.detail].find((m) => typeof m === "string");
  return typeof found === "string" ? bounded(found, limit) : null;
}

function bounded(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** The re-check interval from `OPENCLAW_VLLM_TOOL_RECHECK_MS` (milliseconds, bounded), else the default. */
export function recheckInterval(raw: string | undefined): number {
  const n = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) return DEFAULT_RECHECK_MS;
  return Math.min(RECHECK_BOUNDS.max, Math.max(RECHECK_BOUNDS.min, Math.round(n)));
}

export interface RequestFacts {
  /** A POST to `…/chat/completions`. */
  chat: boolean;
  /** `json`: a JSON object body that can be read and sent again; `unreadable`: a stream or a Request's body. */
  body: "json" | "unreadable" | "none";
  /** A `json` body carries one of {@link TOOL_FIELDS}. */
  toolFields: boolean;
}

/** What this process remembers of an origin (and served model) that refused tool calling. */
export interface Learned {
  /** When the refusal was last seen. */
  learnedAt: number;
  /** When tools were last sent to it (the refusal, or a re-check). */
  checkedAt: number;
}

export interface Mode {
  /** `vllm.toolCalling.enabled` / `OPENCLAW_VLLM_TOOLCALL=1`. */
  toolCalling: boolean;
  /** `OPENCLAW_STRICT_TOOL_PAYLOAD=1`. */
  strict: boolean;
  recheckMs: number;
}

export interface Answer {
  status: number;
  /** The server's error message ({@link serverMessage}), when the status is not 2xx. */
  message: string | null;
}

export interface Situation {
  request: RequestFacts;
  learned: Learned | null;
  mode: Mode;
  now: number;
  /** Null: the request is about to be sent. */
  answer: Answer | null;
}

export type Action =
  /** Send (or hand back) as it is; nothing to watch. */
  | { kind: "pass-through" }
  /** Send as it is and decide again on the answer. */
  | { kind: "send" }
  /** Learned, but the body cannot be read: send as it is (the reason is logged once). */
  | { kind: "send-unreadable" }
  /** Learned: send without {@link TOOL_FIELDS}. */
  | { kind: "strip" }
  /** Learned, the interval is over: send with tools once, and decide again on the answer. */
  | { kind: "recheck" }
  /** Strict and learned: send nothing, answer with the structured error. */
  | { kind: "refuse" }
  /** The refusal: remember it, send once more without {@link TOOL_FIELDS}, hand back that answer. */
  | { kind: "retry-stripped"; learning: "new" | "again" }
  /** The refusal: remember it, hand back the server's answer (strict mode, or the body cannot be sent again). */
  | { kind: "learn"; why: "strict" | "body-not-replayable" }
  /** The refusal with tool calling enabled: hand back the server's answer, log the server's fix. */
  | { kind: "report" }
  /** A re-check was accepted: forget the refusal, tools go out again. */
  | { kind: "unlearn" };

export function decideRequest(s: Situation): Action {
  return s.answer === null ? beforeSending(s) : onAnswer(s, s.answer);
}

function beforeSending({ request, learned, mode, now }: Situation): Action {
  if (!request.chat || request.body === "none") return { kind: "pass-through" };
  if (request.body === "json" && !request.toolFields) return { kind: "pass-through" };
  if (learned === null || mode.toolCalling) return { kind: "send" };
  if (request.body === "unreadable") return { kind: "send-unreadable" };
  if (mode.strict) return { kind: "refuse" };
  if (now - learned.checkedAt >= mode.recheckMs) return { kind: "recheck" };
  return { kind: "strip" };
}

function onAnswer({ request, learned, mode }: Situation, answer: Answer): Action {
  const sentTools = request.body === "unreadable" || (request.body === "json" && request.toolFields);
  if (!request.chat || !sentTools) return { kind: "pass-through" };
  const refused = answer.status === 400 && isToolCallingRefusal(answer.message);
  if (!refused) {
    const accepted = answer.status >= 200 && answer.status < 300;
    return learned !== null && accepted && request.body === "json" ? { kind: "unlearn" } : { kind: "pass-through" };
  }
  if (mode.toolCalling) return { kind: "report" };
  if (request.body !== "json") return { kind: "learn", why: "body-not-replayable" };
  if (mode.strict) return { kind: "learn", why: "strict" };
  return { kind: "retry-stripped", learning: learned === null ? "new" : "again" };
}

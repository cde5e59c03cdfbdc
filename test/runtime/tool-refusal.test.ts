/**
 * The learned gate's decision as a table: request facts, what the process learned of the origin,
 * the mode, the clock and the server's answer → what the fetch boundary does.
 */
import { describe, expect, it } from "vitest";
import {
  decideRequest,
  DEFAULT_RECHECK_MS,
  isToolCallingRefusal,
  recheckInterval,
  serverMessage,
  type Action,
  type Answer,
  type Learned,
  type Mode,
  type RequestFacts,
} from "../../src/patches/runtime/tool-refusal.js";
import { VLLM_AUTO_TOOL_CHOICE_ERROR, VLLM_REQUIRED_TOOL_CHOICE_ERROR, VLLM_NAMED_TOOL_CHOICE_ERROR } from "../support/vllm-server.js";

const NOW = 1_000_000;
const RECHECK = 60_000;

const withTools: RequestFacts = { chat: true, body: "json", toolFields: true };
const withoutTools: RequestFacts = { chat: true, body: "json", toolFields: false };
const streamBody: RequestFacts = { chat: true, body: "unreadable", toolFields: false };
const noBody: RequestFacts = { chat: true, body: "none", toolFields: false };
const notChat: RequestFacts = { chat: false, body: "json", toolFields: true };

const fresh: Learned = { learnedAt: NOW - 1000, checkedAt: NOW - 1000 };
const stale: Learned = { learnedAt: NOW - RECHECK, checkedAt: NOW - RECHECK };

const plain: Mode = { toolCalling: false, strict: false, recheckMs: RECHECK };
const strict: Mode = { ...plain, strict: true };
const calling: Mode = { ...plain, toolCalling: true };

const refusal: Answer = { status: 400, message: VLLM_AUTO_TOOL_CHOICE_ERROR };
const ok: Answer = { status: 200, message: null };
const contextTooLong: Answer = {
  status: 400,
  message: "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.",
};

type Row = [string, RequestFacts, Learned | null, Mode, Answer | null, Action["kind"], Partial<Action>?];

const rows: Row[] = [
  // before sending
  ["unknown origin, tools: send and watch", withTools, null, plain, null, "send"],
  ["unknown origin, no tool fields: nothing to watch", withoutTools, null, plain, null, "pass-through"],
  ["not a chat request", notChat, fresh, plain, null, "pass-through"],
  ["no body", noBody, fresh, plain, null, "pass-through"],
  ["learned, within the interval: strip", withTools, fresh, plain, null, "strip"],
  ["learned, interval over: re-check with tools", withTools, stale, plain, null, "recheck"],
  ["learned, strict: refuse", withTools, fresh, strict, null, "refuse"],
  ["learned, strict, interval over: still refuse", withTools, stale, strict, null, "refuse"],
  ["learned, tool calling enabled: send as it is", withTools, fresh, calling, null, "send"],
  ["learned, stream body: sent unchanged", streamBody, fresh, plain, null, "send-unreadable"],
  ["learned, stream body, strict: sent unchanged", streamBody, fresh, strict, null, "send-unreadable"],
  ["unknown origin, stream body: send and watch", streamBody, null, plain, null, "send"],
  // the answer
  ["the refusal, first time: retry without tools", withTools, null, plain, refusal, "retry-stripped", { learning: "new" }],
  ["the refusal on a re-check: retry, learned again", withTools, stale, plain, refusal, "retry-stripped", { learning: "again" }],
  ["the refusal, strict: learn, hand it back", withTools, null, strict, refusal, "learn", { why: "strict" }],
  ["the refusal, stream body: learn, hand it back", streamBody, null, plain, refusal, "learn", { why: "body-not-replayable" }],
  ["the refusal, tool calling enabled: report", withTools, null, calling, refusal, "report"],
  ["the refusal, tool calling enabled, learned: report", withTools, fresh, calling, refusal, "report"],
  ["context too long: never retried", withTools, null, plain, contextTooLong, "pass-through"],
  [
    "a 500 with the refusal's text: never retried",
    withTools,
    null,
    plain,
    { status: 500, message: VLLM_AUTO_TOOL_CHOICE_ERROR },
    "pass-through",
  ],
  ["a 400 without a message", withTools, null, plain, { status: 400, message: null }, "pass-through"],
  ["200 from an unknown origin", withTools, null, plain, ok, "pass-through"],
  ["a re-check accepted: unlearn", withTools, stale, plain, ok, "unlearn"],
  ["tools accepted with tool calling enabled: unlearn", withTools, fresh, calling, ok, "unlearn"],
  ["a re-check answered 503: stays learned", withTools, stale, plain, { status: 503, message: "busy" }, "pass-through"],
  ["no tool fields were sent: the refusal is not about them", withoutTools, null, plain, refusal, "pass-through"],
  ["not a chat request, refused", notChat, null, plain, refusal, "pass-through"],
  ["the old required refusal", withTools, null, plain, { status: 400, message: VLLM_REQUIRED_TOOL_CHOICE_ERROR }, "retry-stripped"],
  [
    "the named-tool refusal",
    withTools,
    null,
    plain,
    { status: 400, message: `Value error, ${VLLM_NAMED_TOOL_CHOICE_ERROR}` },
    "retry-stripped",
  ],
];

describe("decideRequest", () => {
  it.each(rows)("%s", (_name, request, learned, mode, answer, kind, extra) => {
    const action = decideRequest({ request, learned, mode, now: NOW, answer });
    expect(action.kind).toBe(kind);
    if (extra) expect(action).toMatchObject(extra);
  });

  it("the interval boundary: one millisecond short strips, the interval itself re-checks", () => {
    const at = (checkedAt: number) =>
      decideRequest({ request: withTools, learned: { learnedAt: 0, checkedAt }, mode: plain, now: NOW, answer: null }).kind;
    expect(at(NOW - RECHECK + 1)).toBe("strip");
    expect(at(NOW - RECHECK)).toBe("recheck");
  });
});

describe("the server's message", () => {
  it.each([
    ["current vLLM", JSON.stringify({ error: { message: VLLM_AUTO_TOOL_CHOICE_ERROR, type: "BadRequestError", param: null, code: 400 } })],
    [
      "older vLLM",
      JSON.stringify({ object: "error", message: VLLM_AUTO_TOOL_CHOICE_ERROR, type: "BadRequestError", param: null, code: 400 }),
    ],
    ["an error string", JSON.stringify({ error: VLLM_AUTO_TOOL_CHOICE_ERROR })],
  ])("%s", (_name, body) => {
    expect(serverMessage(body)).toBe(VLLM_AUTO_TOOL_CHOICE_ERROR);
    expect(isToolCallingRefusal(serverMessage(body))).toBe(true);
  });

  it("is bounded, and null for what is not a JSON error body", () => {
    const long = serverMessage(JSON.stringify({ error: { message: "x".repeat(1000) } }))!;
    expect(long).toHaveLength(300);
    expect(long.endsWith("…")).toBe(true);
    expect(serverMessage("<html>Bad Request</html>")).toBeNull();
    expect(serverMessage(null)).toBeNull();
    expect(serverMessage("[1]")).toBeNull();
    expect(serverMessage('{"detail":"Not Found"}')).toBe("Not Found");
  });

  it("only vLLM's tool-calling refusals count", () => {
    expect(isToolCallingRefusal(contextTooLong.message)).toBe(false);
    expect(isToolCallingRefusal("When using `tool_choice`, `tools` must be set.")).toBe(false);
    expect(isToolCallingRefusal(null)).toBe(false);
  });
});

describe("recheckInterval", () => {
  it.each([
    [undefined, DEFAULT_RECHECK_MS],
    ["", DEFAULT_RECHECK_MS],
    ["soon", DEFAULT_RECHECK_MS],
    ["1500", 1500],
    ["0", 100],
    ["-5", 100],
    ["1e12", 24 * 60 * 60_000],
  ])("%s → %s", (raw, ms) => {
    expect(recheckInterval(raw)).toBe(ms);
  });
});

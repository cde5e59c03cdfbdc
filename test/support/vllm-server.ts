/**
 * A local HTTP server that answers like vLLM's OpenAI-compatible server, for
 * end-to-end tests of the vLLM tool gate. It validates `POST /v1/chat/completions`
 * the way vLLM does (rules below), answers `GET /v1/models`, and records every request.
 *
 * Validation (mirrors vLLM's ChatCompletionRequest checks):
 * 1. Body is not JSON / not an object / no `messages` array ⇒ 400.
 * 2. `tool_choice` present (not null) and not `"none"` while `tools` is absent, null or
 *    empty ⇒ 400 "When using `tool_choice`, `tools` must be set.".
 * 3. Non-empty `tools` and no `tool_choice` ⇒ treated as `"auto"` (vLLM's default).
 * 4. Effective `tool_choice === "auto"` while the server runs without tool calling
 *    (`toolCalling: false`, i.e. vLLM started without `--enable-auto-tool-choice
 *    --tool-call-parser`) ⇒ 400 `"auto" tool choice requires --enable-auto-tool-choice
 *    and --tool-call-parser to be set`. (`"required"` and named choices are accepted, as
 *    vLLM serves them through structured output.) With `refuseRequired` (vLLM before 0.8.3),
 *    `"required"` ⇒ 400 `tool_choice = "required" is not supported!`.
 * 5. With `setContextOverflow(true)`, every chat request ⇒ 400 with vLLM's context-length message.
 * 6. Otherwise a reply with the configured text: SSE when `stream: true` (role chunk,
 *    content chunk, finish chunk with `finish_reason: "stop"`, a usage chunk when
 *    `stream_options.include_usage`, then `data: [DONE]`), else one JSON completion.
 *
 * Every error body has vLLM's shape: current releases
 * `{"error":{"message":…,"type":"BadRequestError","param":null,"code":400}}`, older ones (`errorShape: "old"`)
 * `{"object":"error","message":…,"type":"BadRequestError","param":null,"code":400}`.
 *
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pidOfConnection } from "./proc.js";

/** The exact message vLLM returns when "auto" tool choice is not enabled. */
export const VLLM_AUTO_TOOL_CHOICE_ERROR = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set';

/** vLLM before 0.8.3, serving `tool_choice: "required"`. */
export const VLLM_REQUIRED_TOOL_CHOICE_ERROR = 'tool_choice = "required" is not supported!';

/** vLLM before 0.8.3, validating `tool_choice: "required"` (after pydantic's `Value error, `). */
export const VLLM_NAMED_TOOL_CHOICE_ERROR = '`tool_choice` must either be a named tool, "auto", or "none".';

/** vLLM's answer to a prompt longer than the model's context. */
export const VLLM_CONTEXT_LENGTH_ERROR =
  "This model's maximum context length is 32768 tokens. However, your request has 40017 input tokens. Please reduce the length of the input messages.";

/** The message vLLM returns for `tool_choice` without `tools`. */
export const VLLM_TOOL_CHOICE_WITHOUT_TOOLS_ERROR = "When using `tool_choice`, `tools` must be set.";

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path plus query, e.g. `/v1/chat/completions`. */
  url: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: http.IncomingHttpHeaders;
  /** Raw body text ("" when none). */
  rawBody: string;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  body: any;
  /** HTTP status the server answered with. */
  status: number;
  /** For chat completions: the tool_choice vLLM would use (explicit or defaulted). */
  effectiveToolChoice?: unknown;
  /** With `identifySenders`: the pid of the process that opened the connection. */
  senderPid?: number;
}

/** Options for {@link startVllmLikeServer}. */
export interface VllmLikeServerOptions {
  /** True = started with `--enable-auto-tool-choice --tool-call-parser …`. */
  toolCalling: boolean;
  /** Assistant text of every successful completion. Default `"pong from fake vllm"`. */
  reply?: string;
  /** Model id served by `/v1/models` (any requested model is accepted). Default `"fake-model"`. */
  model?: string;
  /** Port to listen on; default 0 (a free port). */
  port?: number;
  /** Context length reported as `max_model_len` in `/v1/models`. Default 32768. */
  maxModelLen?: number;
  /** Record which process sent each request (`senderPid`, read from /proc while it is open). */
  identifySenders?: boolean;
  /** Address to listen on; default `127.0.0.1` (any loopback address works, e.g. `127.0.0.2`). */
  host?: string;
  /** `old`: error bodies of vLLM before the `{"error":{…}}` wrapper. Default `current`. */
  errorShape?: "current" | "old";
  /** Refuse `tool_choice: "required"` the way vLLM before 0.8.3 did. */
  refuseRequired?: boolean;
}

/** A running server. */
export interface VllmLikeServer {
  /** Origin, e.g. `http://127.0.0.1:39123` (no trailing slash, no `/v1`). */
  url: string;
  /** `${url}/v1`, the value a provider's `baseUrl` wants. */
  baseUrl: string;
  port: number;
  /** Every request received, in order (mutable; clear with `requests.length = 0`). */
  requests: RecordedRequest[];
  /** Only the `POST /v1/chat/completions` requests. */
  chatRequests(): RecordedRequest[];
  /** Switch tool-calling mode at run time. */
  setToolCalling(on: boolean): void;
  /** Change the reply text at run time. */
  setReply(text: string): void;
  /** Answer every chat request with vLLM's context-length 400 (or stop doing so). */
  setContextOverflow(on: boolean): void;
  /** Stop (dropping every connection) and listen again on the same address, started with or without tool calling. */
  restart(options: { toolCalling: boolean }): Promise<void>;
  close(): Promise<void>;
}

interface State {
  toolCalling: boolean;
  refuseRequired: boolean;
  contextOverflow: boolean;
  errorShape: "current" | "old";
  reply: string;
  model: string;
  maxModelLen: number;
}

function vllmError(message: string, code = 400, type = "BadRequestError", shape: State["errorShape"] = "current") {
  const error = { message, type, param: null, code };
  return shape === "old" ? { object: "error", ...error } : { error };
}

function hasTools(body: any): boolean {
  return Array.isArray(body?.tools) && body.tools.length > 0;
}

/** vLLM's decision for a chat request: `{status, error?, effectiveToolChoice}`. */
export function validateChatRequest(
  body: any,
  toolCalling: boolean,
  refuseRequired = false,
): { status: number; error?: string; effectiveToolChoice?: unknown } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { status: 400, error: "Expected a JSON object body" };
  }
  if (!Array.isArray(body.messages)) {
    return { status: 400, error: "Field required: messages" };
  }
  const explicit = body.tool_choice;
  const toolsGiven = hasTools(body);
  if (explicit !== undefined && explicit !== null && explicit !== "none" && !toolsGiven) {
    return { status: 400, error: `Value error, ${VLLM_TOOL_CHOICE_WITHOUT_TOOLS_ERROR}`, effectiveToolChoice: explicit };
  }
  const effective = explicit ?? (toolsGiven ? "auto" : "none");
  if (effective === "required" && refuseRequired) {
    return { status: 400, error: VLLM_REQUIRED_TOOL_CHOICE_ERROR, effectiveToolChoice: effective };
  }
  if (effective === "auto" && !toolCalling) {
    return { status: 400, error: VLLM_AUTO_TOOL_CHOICE_ERROR, effectiveToolChoice: effective };
  }
  return { status: 200, effectiveToolChoice: effective };
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function completion(state: State, body: any, stream: boolean) {
  const id = `chatcmpl-fake-${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body.model === "string" ? body.model : state.model;
  const usage = { prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 };
  if (!stream) {
    return {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: state.reply, tool_calls: [] },
          logprobs: null,
          finish_reason: "stop",
          stop_reason: null,
        },
      ],
      usage,
    };
  }
  const chunk = (delta: object, finish: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const events: object[] = [chunk({ role: "assistant", content: "" }, null), chunk({ content: state.reply }, null), chunk({}, "stop")];
  if (body.stream_options?.include_usage) {
    events.push({ id, object: "chat.completion.chunk", created, model, choices: [], usage });
  }
  return events;
}

/**
 * Start the server on 127.0.0.1 (port 0 by default). Close it in `afterAll`/`finally`.
 */
export async function startVllmLikeServer(opts: VllmLikeServerOptions): Promise<VllmLikeServer> {
  const state: State = {
    toolCalling: opts.toolCalling,
    refuseRequired: opts.refuseRequired ?? false,
    contextOverflow: false,
    errorShape: opts.errorShape ?? "current",
    reply: opts.reply ?? "pong from fake vllm",
    model: opts.model ?? "fake-model",
    maxModelLen: opts.maxModelLen ?? 32768,
  };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      let body: any;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const rec: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawBody,
        body,
        status: 0,
      };
      if (opts.identifySenders && req.socket.remotePort) rec.senderPid = pidOfConnection(req.socket.remotePort, port);
      requests.push(rec);
      const pathname = (req.url ?? "").split("?")[0]!.replace(/\/+$/, "");

      if (req.method === "GET" && pathname === "/v1/models") {
        rec.status = 200;
        return sendJson(res, 200, {
          object: "list",
          data: [
            {
              id: state.model,
              object: "model",
              created: 1_700_000_000,
              owned_by: "vllm",
              root: state.model,
              parent: null,
              max_model_len: state.maxModelLen,
              permission: [],
            },
          ],
        });
      }
      if (pathname === "/health" && req.method === "GET") {
        rec.status = 200;
        res.writeHead(200);
        return res.end();
      }
      if (pathname === "/v1/chat/completions") {
        if (req.method !== "POST") {
          rec.status = 405;
          return sendJson(res, 405, vllmError("Method Not Allowed", 405, "MethodNotAllowed", state.errorShape));
        }
        if (rawBody && body === undefined) {
          rec.status = 400;
          return sendJson(res, 400, vllmError("JSON decode error", 400, "BadRequestError", state.errorShape));
        }
        const v = state.contextOverflow
          ? { status: 400, error: VLLM_CONTEXT_LENGTH_ERROR }
          : validateChatRequest(body, state.toolCalling, state.refuseRequired);
        rec.effectiveToolChoice = v.effectiveToolChoice;
        if (v.status !== 200) {
          rec.status = v.status;
          return sendJson(res, v.status, vllmError(v.error ?? "Bad Request", v.status, "BadRequestError", state.errorShape));
        }
        rec.status = 200;
        if (body.stream === true) {
          const events = completion(state, body, true) as object[];
          res.writeHead(200, {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
            connection: "keep-alive",
          });
          for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
          res.end("data: [DONE]\n\n");
          return;
        }
        return sendJson(res, 200, completion(state, body, false));
      }
      rec.status = 404;
      return sendJson(res, 404, { detail: "Not Found" });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const host = opts.host ?? "127.0.0.1";
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(at, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await listen(opts.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.method === "POST" && r.url.split("?")[0]!.replace(/\/+$/, "") === "/v1/chat/completions"),
    setToolCalling(on) {
      state.toolCalling = on;
    },
    setReply(text) {
      state.reply = text;
    },
    setContextOverflow(on) {
      state.contextOverflow = on;
    },
    async restart({ toolCalling }) {
      await stop();
      state.toolCalling = toolCalling;
      await listen(port);
    },
    close: stop,
  };
}

/**
 * The runtime overlay: the module every OpenClaw entry imports first. What it installs, once
 * per process (a `globalThis` symbol: a second copy, ESM or CJS, does nothing):
 * - a guard on `globalThis.fetch` and on the `fetch` export of every `undici` copy it can
 *   resolve: a JSON request body to a gated vLLM origin that still carries `tools`/`tool_choice`
 *   is sanitised with the gate's own decision, or refused under `OPENCLAW_STRICT_TOOL_PAYLOAD=1`;
 * - `OPENCLAW_TRACE_VLLM_OUTBOUND=1`: one trace line per request to a gated origin;
 * - a process-wide `os.networkInterfaces` fallback (the guard patch's own helper).
 *
 * Gating here is by origin only: a request carries no provider id, so `vllm.providers` cannot
 * apply; the payload gate covers provider-gated remote URLs.
 */
import {
  decide,
  emit,
  envFlag,
  isGatedUrl,
  parseUrl,
  toolCalling,
  without,
  type Decision,
  type GateConfig,
  type ToolCalling,
} from "./gate-core.js";
import { guardNetworkInterfaces } from "./network-guard.js";
import { BYPASS_ERROR_CODE, EDGE_CALLSITE_TAG, RUNTIME_SYMBOLS } from "./symbols.js";

type Fetch = (input: unknown, init?: unknown) => unknown;
type ResponseConstructor = new (body: string, init: object) => unknown;
type Require = NodeJS.Require;

interface OverlayState {
  marker: string;
  format: string;
  file: string;
  hooks: string[];
  networkGuard: boolean;
}

interface BodyRead {
  kind: "string" | "bytes" | "request" | "none" | "other";
  text: string | null;
}

type Plan = null | { init: Record<string, unknown> } | { refuse: RefusalBody };

interface RefusalBody {
  error: { message: string; code: string; [key: string]: unknown };
}

const G = globalThis as unknown as Record<string | symbol, unknown>;

export function installOverlay(
  require: Require,
  selfFile: string,
  format: "esm" | "cjs",
  cfg: GateConfig,
  undiciHosts: readonly string[],
  marker: string,
): void {
  const INSTALLED = Symbol.for(RUNTIME_SYMBOLS.overlayInstalled);
  if (G[INSTALLED]) return;
  const state: OverlayState = { marker, format, file: String(selfFile), hooks: [], networkGuard: false };
  try {
    Object.defineProperty(globalThis, INSTALLED, { value: state, configurable: true, writable: true });
  } catch {
    return;
  }

  guardOsModule(require, state);
  try {
    if (typeof G.fetch === "function" && hookGlobalFetch(cfg, String(selfFile))) state.hooks.push("globalThis.fetch");
  } catch {
    // leave fetch as it is
  }
  for (const found of undiciCandidates(require, undiciHosts)) {
    try {
      const undici = require(found) as { fetch?: unknown; Response?: ResponseConstructor };
      if (undici && typeof undici.fetch === "function") {
        const wrapped = wrapFetch(undici.fetch as Fetch, "undici.fetch", cfg, String(selfFile), undici.Response);
        if (replaceProperty(undici, "fetch", wrapped)) state.hooks.push(`undici.fetch:${found}`);
      }
    } catch {
      // an undici that does not load is not used either
    }
  }

  if (envFlag("OPENCLAW_TRACE_VLLM_OUTBOUND") === true) {
    emit({
      level: "info",
      msg: "clawmend_overlay_installed",
      subsystem: "tool_payload_trace",
      format,
      marker: state.marker,
      fetch_hooks: state.hooks,
      network_guard: state.networkGuard,
      gate: { origins: cfg.origins, loopback_ports: cfg.loopbackPorts },
      ts: new Date().toISOString(),
    });
  }
}

function guardOsModule(require: Require, state: OverlayState): void {
  try {
    const os = require("node:os") as { networkInterfaces: unknown };
    const guarded = guardNetworkInterfaces(os.networkInterfaces, os);
    if (typeof guarded === "function" && replaceProperty(os, "networkInterfaces", guarded)) {
      state.networkGuard = true;
      try {
        (require("node:module") as { syncBuiltinESMExports(): void }).syncBuiltinESMExports();
      } catch {
        // named ESM imports of node:os keep the unguarded function; the guard patch covers them
      }
    }
  } catch {
    // no node:os: nothing to guard
  }
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

function targetUrl(x: URL): string {
  return x.origin + x.pathname + (x.search ? "?<redacted>" : "");
}

function readBody(body: unknown): BodyRead {
  if (typeof body === "string") return { kind: "string", text: body };
  if (body !== null && typeof body === "object" && typeof Uint8Array === "function" && body instanceof Uint8Array) {
    try {
      return { kind: "bytes", text: new TextDecoder("utf-8", { fatal: true }).decode(body) };
    } catch {
      return { kind: "bytes", text: null };
    }
  }
  return { kind: body === undefined || body === null ? "none" : "other", text: null };
}

function utf8Length(text: string): number | null {
  try {
    return typeof Buffer === "function" ? Buffer.byteLength(text, "utf8") : new TextEncoder().encode(text).length;
  } catch {
    return null;
  }
}

function headerLength(h: unknown): number | null {
  try {
    if (h === null || typeof h !== "object") return null;
    let v: unknown = null;
    if (Array.isArray(h)) {
      for (const pair of h) if (pair && String(pair[0]).toLowerCase() === "content-length") v = pair[1];
    } else if (typeof (h as { get?: unknown }).get === "function") {
      v = (h as { get(name: string): unknown }).get("content-length");
    } else {
      for (const key of Object.keys(h)) if (key.toLowerCase() === "content-length") v = (h as Record<string, unknown>)[key];
    }
    const n = v === null || v === undefined ? Number.NaN : Number(v);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** The headers with `content-length` set to `length` (same shape as given), or as they are. */
function fixContentLength(h: unknown, length: number): unknown {
  const v = String(length);
  if (h === null || h === undefined || typeof h !== "object") return h;
  if (Array.isArray(h)) {
    let changed = false;
    const pairs = h.map((p: unknown[]) => {
      if (p && p.length >= 2 && String(p[0]).toLowerCase() === "content-length") {
        changed = true;
        return [p[0], v];
      }
      return p;
    });
    return changed ? pairs : h;
  }
  const maybeHeaders = h as { forEach?: unknown; has?: unknown };
  if (typeof maybeHeaders.forEach === "function" && typeof maybeHeaders.has === "function") {
    const headers = h as { has(name: string): boolean; forEach(cb: (value: string, name: string) => void): void };
    if (!headers.has("content-length")) return h;
    const list: Array<[string, string]> = [];
    headers.forEach((value, name) => list.push([name, String(name).toLowerCase() === "content-length" ? v : value]));
    return list;
  }
  const copy: Record<string, unknown> = {};
  let hit = false;
  for (const key of Object.keys(h)) {
    if (key.toLowerCase() === "content-length") {
      copy[key] = v;
      hit = true;
    } else copy[key] = (h as Record<string, unknown>)[key];
  }
  return hit ? copy : h;
}

function remediationFor(decision: Decision): string {
  if (decision.reason === "tool_choice_without_tools") {
    return "The request carried tool_choice without a non-empty tools array, which the payload gate removes: the gate did not run for this request. Run 'clawmend doctor' to see which runtime really executes and 'clawmend patch --root <that runtime>'. Unset OPENCLAW_STRICT_TOOL_PAYLOAD to sanitise at the edge instead of refusing.";
  }
  return "The vLLM tool gate in the payload builder did not run for this request (an unpatched or stale runtime, or a code path it does not cover). Run 'clawmend doctor' to see which runtime really executes and 'clawmend patch --root <that runtime>'. If this vLLM server runs with --enable-auto-tool-choice --tool-call-parser, set vllm.toolCalling.enabled (or OPENCLAW_VLLM_TOOLCALL=1). Unset OPENCLAW_STRICT_TOOL_PAYLOAD to sanitise at the edge instead of refusing.";
}

/**
 * Strict mode: the request is never sent; the caller gets a synthetic HTTP 400 whose JSON body
 * has the OpenAI error shape, so an OpenAI-style client shows the code and does not retry (a
 * rejected fetch reads as a network failure: retried, then "Connection error."). One log line.
 */
function bypassRefusal(x: URL, model: string | null, decision: Decision, via: string): RefusalBody {
  const remediation = remediationFor(decision);
  const message = `${BYPASS_ERROR_CODE}: a request to the vLLM endpoint ${x.origin} (model ${model === null ? "unknown" : model}) still carried ${decision.removed.join(" and ")} at ${EDGE_CALLSITE_TAG}; clawmend refused to send it. ${remediation}`;
  emit({
    level: "error",
    msg: "tool_payload_sanitizer_bypassed",
    code: BYPASS_ERROR_CODE,
    origin: x.origin,
    model,
    callsite_tag: EDGE_CALLSITE_TAG,
    removed: decision.removed,
    reason: decision.reason,
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
      removed: decision.removed.slice(),
      reason: decision.reason,
      remediation,
    },
  };
}

function refusalResponse(body: RefusalBody, ResponseCtor: ResponseConstructor | undefined): Promise<unknown> {
  const text = JSON.stringify(body);
  const init = {
    status: 400,
    statusText: "Bad Request",
    headers: { "content-type": "application/json", "x-clawmend-refused": BYPASS_ERROR_CODE },
  };
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

function warnShape(x: URL, model: string | null, decision: Decision, calling: ToolCalling, via: string): void {
  const SHAPES = Symbol.for(RUNTIME_SYMBOLS.edgeShapesWarned);
  const key = `${x.origin} ${x.pathname} ${decision.reason} ${decision.removed.join(",")}`;
  let seen = G[SHAPES] as Record<string, boolean> | undefined;
  if (!seen || typeof seen !== "object") {
    seen = Object.create(null) as Record<string, boolean>;
    try {
      Object.defineProperty(globalThis, SHAPES, { value: seen, configurable: true, writable: true });
    } catch {
      // warned once per copy at worst
    }
  }
  if (seen[key]) return;
  seen[key] = true;
  emit({
    level: "warn",
    msg: "tool_payload_sanitized",
    callsite_tag: EDGE_CALLSITE_TAG,
    endpoint: x.origin,
    path: x.pathname,
    model,
    removed: decision.removed,
    tools: decision.tools,
    reason: decision.reason,
    tool_calling: calling.source,
    via,
    source: "clawmend",
  });
}

/** What to do with one fetch call: pass it through (null), send it with another init, or refuse it. */
function inspect(input: unknown, init: unknown, via: string, cfg: GateConfig, selfFile: string): Plan {
  let x: URL | null = null;
  let request: { url: string; method: string } | null = null;
  if (typeof input === "string") x = parseUrl(input);
  else if (input !== null && typeof input === "object") {
    const i = input as { url?: unknown; method?: unknown; href?: unknown };
    if (typeof URL === "function" && input instanceof URL) x = parseUrl(input.href);
    else if (typeof i.url === "string" && typeof i.method === "string") {
      request = { url: i.url, method: i.method };
      x = parseUrl(i.url);
    } else if (typeof i.href === "string") x = parseUrl(i.href);
  }
  if (x === null || !isGatedUrl(x.href, cfg)) return null;
  const trace = envFlag("OPENCLAW_TRACE_VLLM_OUTBOUND") === true;
  const o = init !== null && typeof init === "object" ? (init as Record<string, unknown>) : null;
  const read: BodyRead = request ? { kind: "request", text: null } : readBody(o ? o.body : undefined);
  let payload: Record<string, unknown> | null = null;
  if (read.text !== null && /^\s*\{/.test(read.text)) {
    try {
      const parsed: unknown = JSON.parse(read.text);
      payload = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      payload = null;
    }
  }
  const model = payload !== null && typeof payload.model === "string" ? payload.model : null;
  const calling = toolCalling(cfg);
  const decision = payload !== null ? decide(payload, true, calling.enabled) : null;
  let plan: Plan = null;
  let action = "passed";
  let wire = payload;
  let length =
    read.text !== null
      ? read.kind === "bytes"
        ? (o!.body as Uint8Array).byteLength
        : utf8Length(read.text)
      : headerLength(o ? o.headers : null);
  if (decision !== null && payload !== null) {
    if (envFlag("OPENCLAW_STRICT_TOOL_PAYLOAD") === true) {
      action = "refused";
      plan = { refuse: bypassRefusal(x, model, decision, via) };
    } else {
      wire = without(payload, decision.removed);
      const text = JSON.stringify(wire);
      let body: string | Uint8Array;
      if (read.kind === "string") body = text;
      else if (typeof Buffer === "function" && Buffer.isBuffer(o!.body)) body = Buffer.from(text, "utf8");
      else body = new TextEncoder().encode(text);
      length = typeof body === "string" ? utf8Length(body) : body.byteLength;
      const next: Record<string, unknown> = Object.assign({}, o);
      next.body = body;
      if (o!.headers !== undefined) next.headers = fixContentLength(o!.headers, length ?? 0);
      action = "sanitized";
      plan = { init: next };
      warnShape(x, model, decision, calling, via);
    }
  }
  if (trace) {
    const method = (o && typeof o.method === "string" && o.method) || (request ? request.method : "GET");
    emit({
      subsystem: "tool_payload_trace",
      event: "vllm_outbound_trace",
      ts: new Date().toISOString(),
      target_url: targetUrl(x),
      method: String(method).toUpperCase(),
      content_length: length,
      payload_top_keys: wire !== null ? Object.keys(wire) : null,
      has_tools: wire !== null ? Object.prototype.hasOwnProperty.call(wire, "tools") : null,
      has_tool_choice: wire !== null ? Object.prototype.hasOwnProperty.call(wire, "tool_choice") : null,
      callsite_tag: EDGE_CALLSITE_TAG,
      stack_fingerprint: stackFingerprint(selfFile),
      action,
      body_kind: read.kind,
      model,
      via,
    });
  }
  return plan;
}

/**
 * Depth of guarded fetch calls on the stack: a guarded fetch that (synchronously) calls another
 * guarded fetch, e.g. an app's own globalThis.fetch wrapper around ours, is inspected once.
 */
let active = 0;

function wrapFetch(orig: Fetch, via: string, cfg: GateConfig, selfFile: string, ResponseCtor?: ResponseConstructor): Fetch {
  const WRAPPED = Symbol.for(RUNTIME_SYMBOLS.fetchWrapped);
  if (typeof orig !== "function" || (orig as unknown as Record<symbol, unknown>)[WRAPPED]) return orig;
  const wrapped = function fetch(this: unknown, ...args: unknown[]): unknown {
    if (active > 0) return orig.apply(this, args as [unknown, unknown]);
    let plan: Plan = null;
    try {
      plan = inspect(args[0], args[1], via, cfg, selfFile);
    } catch {
      plan = null;
    }
    if (plan !== null && "refuse" in plan) return refusalResponse(plan.refuse, ResponseCtor);
    if (plan !== null) args[1] = plan.init;
    active += 1;
    try {
      return orig.apply(this, args as [unknown, unknown]);
    } finally {
      active -= 1;
    }
  };
  try {
    Object.defineProperty(wrapped, WRAPPED, { value: orig });
  } catch {
    // a frozen function: it may be wrapped twice, and is inspected once anyway
  }
  return wrapped;
}

/** `globalThis.fetch` becomes an accessor: whatever is assigned later (undici's install(), an app's wrapper) is guarded too. */
function hookGlobalFetch(cfg: GateConfig, selfFile: string): boolean {
  let current: unknown = wrapFetch(G.fetch as Fetch, "globalThis.fetch", cfg, selfFile);
  const desc = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  try {
    Object.defineProperty(globalThis, "fetch", {
      configurable: true,
      enumerable: desc ? !!desc.enumerable : false,
      get: () => current,
      set: (value: unknown) => {
        current = typeof value === "function" ? wrapFetch(value as Fetch, "globalThis.fetch", cfg, selfFile) : value;
      },
    });
    return G.fetch === current;
  } catch {
    return replaceProperty(G, "fetch", current);
  }
}

function replaceProperty(obj: object, key: string, value: unknown): boolean {
  const o = obj as Record<string, unknown>;
  try {
    o[key] = value;
  } catch {
    // read-only: try to redefine it
  }
  if (o[key] !== value) {
    try {
      Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: true });
    } catch {
      // cannot be replaced
    }
  }
  return o[key] === value;
}

/** Every `undici` the process may use: its own, and the one each host package (e.g. `@openclaw/ai`) resolves. */
function undiciCandidates(require: Require, hosts: readonly string[]): string[] {
  const out: string[] = [];
  const add = (p: unknown) => {
    if (typeof p === "string" && out.indexOf(p) === -1) out.push(p);
  };
  try {
    add(require.resolve("undici"));
  } catch {
    // not installed next to the overlay
  }
  let fs: { existsSync(path: string): boolean };
  let path: { join(...parts: string[]): string };
  try {
    fs = require("node:fs") as typeof fs;
    path = require("node:path") as typeof path;
  } catch {
    return out;
  }
  for (const host of hosts) {
    let dirs: string[] | null = null;
    try {
      dirs = require.resolve.paths(host);
    } catch {
      dirs = null;
    }
    for (const base of dirs ?? []) {
      const dir = path.join(base, host);
      if (!fs.existsSync(path.join(dir, "package.json"))) continue;
      try {
        add(require.resolve("undici", { paths: [dir] }));
      } catch {
        // the host package has no undici of its own
      }
      break;
    }
  }
  return out;
}

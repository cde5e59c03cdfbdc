/**
 * The runtime overlay: the module every OpenClaw entry imports first. What it installs, once
 * per process (a `globalThis` symbol: a second copy, ESM or CJS, does nothing):
 * - a guard on `globalThis.fetch` and on the `fetch` export of every `undici` copy it can
 *   resolve: a JSON request body to a gated vLLM origin that still carries `tools`/`tool_choice`
 *   is sanitised with the gate's own decision, or refused under `OPENCLAW_STRICT_TOOL_PAYLOAD=1`;
 *   every other call goes through the learned gate (learn-at-edge.ts): an origin that answers
 *   with vLLM's tool-calling refusal gets one retry without tools and is remembered;
 * - `OPENCLAW_TRACE_VLLM_OUTBOUND=1`: one trace line per request to a gated or learned origin,
 *   and one per non-2xx answer from a local server;
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
  toolCalling,
  without,
  type Decision,
  type GateConfig,
  type ToolCalling,
} from "../../../runtime/gated-request.js";
import { sendLearning, type Edge, type Send } from "../../../runtime/learn-at-edge.js";
import { guardNetworkInterfaces } from "../../network-interfaces-guard/helper/network-guard.js";
import { bodyLength, readOutbound, withPayload, type Outbound } from "../../../runtime/outbound.js";
import { bypassRefusal, refusalResponse, type RefusalBody } from "../../../runtime/strict-refusal.js";
import { EDGE_CALLSITE_TAG, EDGE_SHAPES_WARNED_KEY, FETCH_WRAPPED_KEY, OVERLAY_INSTALLED_KEY } from "../../../runtime/symbols.js";
import { traceRequest, tracing } from "../../../runtime/trace.js";

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

type Gated = { out: Outbound; action: string; length: number | null } | { refuse: RefusalBody };

const G = globalThis as unknown as Record<string | symbol, unknown>;

export function installOverlay(
  require: Require,
  selfFile: string,
  format: "esm" | "cjs",
  cfg: GateConfig,
  undiciHosts: readonly string[],
  marker: string,
): void {
  const INSTALLED = Symbol.for(OVERLAY_INSTALLED_KEY);
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

function warnShape(x: URL, model: string | null, decision: Decision, calling: ToolCalling, via: string): void {
  const SHAPES = Symbol.for(EDGE_SHAPES_WARNED_KEY);
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

/** The configured gate on a call to a gated origin: sanitised, passed as it is, or refused (strict mode). */
function configuredGate(out: Outbound, edge: Edge): Gated {
  const length = bodyLength(out);
  const calling = toolCalling(edge.cfg);
  const decision = out.payload !== null ? decide(out.payload, true, calling.enabled) : null;
  if (decision === null) return { out, action: "passed", length };
  if (envFlag("OPENCLAW_STRICT_TOOL_PAYLOAD") === true) {
    if (tracing()) traceRequest(out, { wire: out.payload, length, action: "refused", via: edge.via, selfFile: edge.selfFile });
    return { refuse: bypassRefusal(out.url, out.model, decision.removed, decision.reason, edge.via) };
  }
  warnShape(out.url, out.model, decision, calling, edge.via);
  const sanitized = withPayload(out, without(out.payload!, decision.removed));
  return { out: sanitized.out, action: "sanitized", length: sanitized.length };
}

/**
 * Depth of guarded fetch calls on the stack: a guarded fetch that (synchronously) calls another
 * guarded fetch, e.g. an app's own globalThis.fetch wrapper around ours, is inspected once.
 */
let active = 0;

function wrapFetch(orig: Fetch, via: string, cfg: GateConfig, selfFile: string, ResponseCtor?: ResponseConstructor): Fetch {
  const WRAPPED = Symbol.for(FETCH_WRAPPED_KEY);
  if (typeof orig !== "function" || (orig as unknown as Record<symbol, unknown>)[WRAPPED]) return orig;
  const edge: Edge = { via, cfg, selfFile, ...(ResponseCtor ? { ResponseCtor } : {}) };
  const wrapped = function fetch(this: unknown, ...args: unknown[]): unknown {
    if (active > 0) return orig.apply(this, args as [unknown, unknown]);
    const self = this;
    const send: Send = (init) => {
      const call = args.slice();
      if (init !== null) call[1] = init;
      active += 1;
      try {
        return orig.apply(self, call as [unknown, unknown]);
      } finally {
        active -= 1;
      }
    };
    let out: Outbound | null = null;
    let gated: Gated | null = null;
    try {
      out = readOutbound(args[0], args[1]);
      if (out !== null && isGatedUrl(out.url.href, cfg)) gated = configuredGate(out, edge);
    } catch {
      out = null;
    }
    if (out === null) return send(null);
    if (gated !== null && "refuse" in gated) return refusalResponse(gated.refuse, ResponseCtor);
    const sending = gated ?? { out, action: "passed", length: bodyLength(out) };
    return sendLearning(sending.out, send, edge, gated !== null, sending.action, sending.length);
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

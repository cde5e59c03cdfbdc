/**
 * The one decision logic shared by the vLLM tool gate (injected into the payload builder) and
 * the runtime overlay (fetch boundary). It is kept as plain JavaScript source text so that
 * exactly these bytes are embedded in both places: they cannot disagree, and the unit tests
 * evaluate the same text (`loadToolGateCore`) instead of a look-alike.
 *
 * Rules for this text: ES2018 plain JavaScript, function declarations only (no top-level
 * statements, no side effects, no imports/requires, no template literals), every name
 * prefixed `__cp_` so it can be nested inside any function without shadowing surprises.
 * `process.env` is read at call time, never at definition time.
 */
import { DEFAULT_VLLM_PORTS } from "../../config/defaults.js";
import type { VllmSettings } from "../../config/settings.js";

/** The settings as baked into injected code (a JSON literal). */
export interface GateConfig {
  /** Normalised origins (`new URL(e).origin`), or null for the default loopback rule. */
  endpoints: string[] | null;
  /** Ports of the default loopback rule. */
  ports: number[];
  /** Provider ids always gated (payload builder only; the fetch layer has no provider id). */
  providers: string[];
  /** `vllm.toolCalling.enabled` at patch time; `OPENCLAW_VLLM_TOOLCALL=1|0` overrides it. */
  toolCalling: boolean;
}

export const TOOL_GATE_CORE_SOURCE: string = String.raw`function __cp_hasOwn(o, k) {
  return Object.prototype.hasOwnProperty.call(o, k);
}
function __cp_env(name) {
  try {
    if (typeof process === "undefined" || !process || !process.env) return undefined;
    var v = process.env[name];
    return typeof v === "string" ? v : undefined;
  } catch (e) {
    return undefined;
  }
}
function __cp_envFlag(name) {
  var v = __cp_env(name);
  if (v === undefined) return null;
  v = v.trim().toLowerCase();
  if (v === "1" || v === "true" || v === "yes" || v === "on") return true;
  if (v === "0" || v === "false" || v === "no" || v === "off") return false;
  return null;
}
function __cp_parseUrl(u) {
  var s = null;
  if (typeof u === "string") s = u;
  else if (u !== null && typeof u === "object" && typeof u.href === "string") s = u.href;
  if (s === null || typeof URL !== "function") return null;
  var x;
  try {
    x = new URL(s);
  } catch (e) {
    return null;
  }
  if (x.protocol !== "http:" && x.protocol !== "https:") return null;
  return x;
}
function __cp_safeOrigin(u) {
  var x = __cp_parseUrl(u);
  return x ? x.origin : null;
}
function __cp_isDefaultLocalHost(hostname) {
  var h = String(hostname).toLowerCase();
  if (h === "localhost" || h === "[::1]" || h === "0.0.0.0") return true;
  var m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && +m[1] <= 255 && +m[2] <= 255 && +m[3] <= 255;
}
function __cp_isGatedUrl(u, cfg) {
  var x = __cp_parseUrl(u);
  if (!x) return false;
  if (cfg.endpoints) {
    for (var i = 0; i < cfg.endpoints.length; i++) if (cfg.endpoints[i] === x.origin) return true;
    return false;
  }
  var port = x.port ? Number(x.port) : x.protocol === "https:" ? 443 : 80;
  return __cp_isDefaultLocalHost(x.hostname) && cfg.ports.indexOf(port) !== -1;
}
function __cp_isGatedModel(model, cfg) {
  if (model === null || typeof model !== "object") return false;
  var p = model.provider;
  if (typeof p === "string" && cfg.providers.indexOf(p) !== -1) return true;
  return __cp_isGatedUrl(model.baseUrl, cfg);
}
function __cp_toolCalling(cfg) {
  var f = __cp_envFlag("OPENCLAW_VLLM_TOOLCALL");
  if (f !== null) return { enabled: f, source: "env:OPENCLAW_VLLM_TOOLCALL" };
  return { enabled: cfg.toolCalling === true, source: "config:vllm.toolCalling.enabled" };
}
function __cp_decide(payload, gated, toolCallingEnabled) {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return null;
  var tools = payload.tools;
  var count = Array.isArray(tools) ? tools.length : 0;
  if (gated && !toolCallingEnabled) {
    var removed = [];
    if (__cp_hasOwn(payload, "tools")) removed.push("tools");
    if (__cp_hasOwn(payload, "tool_choice")) removed.push("tool_choice");
    if (removed.length === 0) return null;
    return { removed: removed, tools: count, reason: "tool_calling_disabled" };
  }
  if (__cp_hasOwn(payload, "tool_choice") && payload.tool_choice !== undefined && count === 0) {
    return { removed: ["tool_choice"], tools: 0, reason: "tool_choice_without_tools" };
  }
  return null;
}
function __cp_without(payload, keys) {
  var out = Object.create(Object.getPrototypeOf(payload));
  var own = Object.keys(payload);
  for (var i = 0; i < own.length; i++) {
    if (keys.indexOf(own[i]) === -1) out[own[i]] = payload[own[i]];
  }
  return out;
}
function __cp_emit(obj) {
  try {
    if (typeof process !== "undefined" && process && process.stderr && typeof process.stderr.write === "function") {
      process.stderr.write(JSON.stringify(obj) + "\n");
    }
  } catch (e) {}
}
function __cp_once(key) {
  try {
    var s = Symbol.for(key);
    if (globalThis[s]) return false;
    Object.defineProperty(globalThis, s, { value: true, configurable: true, writable: true });
    return true;
  } catch (e) {
    return false;
  }
}`;

export interface ToolGateDecision {
  removed: string[];
  tools: number;
  reason: "tool_calling_disabled" | "tool_choice_without_tools";
}

/** The core evaluated from its source text, for unit tests and for patch-time checks. */
export interface ToolGateCore {
  envFlag(name: string): boolean | null;
  parseUrl(u: unknown): URL | null;
  safeOrigin(u: unknown): string | null;
  isDefaultLocalHost(hostname: string): boolean;
  isGatedUrl(u: unknown, cfg: GateConfig): boolean;
  isGatedModel(model: unknown, cfg: GateConfig): boolean;
  toolCalling(cfg: GateConfig): { enabled: boolean; source: string };
  decide(payload: unknown, gated: boolean, toolCallingEnabled: boolean): ToolGateDecision | null;
  without<T extends object>(payload: T, keys: string[]): T;
}

export function loadToolGateCore(): ToolGateCore {
  const make = new Function(
    `"use strict";\n${TOOL_GATE_CORE_SOURCE}\nreturn { envFlag: __cp_envFlag, parseUrl: __cp_parseUrl, safeOrigin: __cp_safeOrigin, isDefaultLocalHost: __cp_isDefaultLocalHost, isGatedUrl: __cp_isGatedUrl, isGatedModel: __cp_isGatedModel, toolCalling: __cp_toolCalling, decide: __cp_decide, without: __cp_without };`,
  ) as () => ToolGateCore;
  return make();
}

/** The settings as the injected code sees them; throws on an endpoint that is not http(s). */
export function bakeGateConfig(settings: VllmSettings): GateConfig {
  const endpoints = settings.endpoints
    ? [
        ...new Set(
          settings.endpoints.map((e) => {
            let url: URL;
            try {
              url = new URL(e);
            } catch {
              throw new Error(`vllm.endpoints: ${JSON.stringify(e)} is not a URL`);
            }
            if (url.protocol !== "http:" && url.protocol !== "https:") {
              throw new Error(`vllm.endpoints: ${JSON.stringify(e)} is not an http(s) URL`);
            }
            return url.origin;
          }),
        ),
      ]
    : null;
  return {
    endpoints,
    ports: [...DEFAULT_VLLM_PORTS],
    providers: [...(settings.providers ?? ["vllm"])],
    toolCalling: settings.toolCalling?.enabled === true,
  };
}

/** A deterministic JavaScript literal of the baked settings. */
export function gateConfigLiteral(settings: VllmSettings): string {
  const cfg = bakeGateConfig(settings);
  // Fixed key order: the same settings always give the same bytes.
  return JSON.stringify({
    endpoints: cfg.endpoints,
    ports: cfg.ports,
    providers: cfg.providers,
    toolCalling: cfg.toolCalling,
  });
}

/** A marker must be exactly one `/*@clawpatch id@version*\/` comment (it is pasted verbatim). */
export function assertMarker(marker: string): void {
  if (!/^\/\*@clawpatch [a-z0-9][a-z0-9-]*@\d+\*\/$/.test(marker)) {
    throw new Error(`not a clawpatch marker: ${JSON.stringify(marker)}`);
  }
}

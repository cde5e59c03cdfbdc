/**
 * The runtime overlay: a module clawpatch writes into the openclaw package and imports as the
 * first statement (after the shebang) of every entry. ESM and CJS variants come from ONE body
 * template; only the three-line prologue differs (how `require` and the module's own file are
 * obtained).
 *
 * What it installs, once per process (a `globalThis` symbol; a second copy, ESM or CJS, does
 * nothing):
 * - a guard on `globalThis.fetch` and on the `fetch` export of every `undici` copy it can
 *   resolve (from the overlay's own location and from the packages in `undiciHosts`): a JSON
 *   request body to a gated vLLM origin that still carries `tools`/`tool_choice` is sanitised
 *   with the same decision code as the payload gate (`TOOL_GATE_CORE_SOURCE`), or refused
 *   under `OPENCLAW_STRICT_TOOL_PAYLOAD=1`;
 * - `OPENCLAW_TRACE_VLLM_OUTBOUND=1`: one trace line per request to a gated origin;
 * - a process-wide `os.networkInterfaces` fallback (same helper and log flag as the patch).
 *
 * Gating at the fetch layer is by ORIGIN only (configured `vllm.endpoints`, else loopback on
 * 8000/8001): a request carries no provider id, so `vllm.providers` cannot apply here. The
 * payload gate in the builder covers provider-gated remote URLs.
 */
import type { VllmSettings } from "../../config/settings.js";
import { BYPASS_ERROR_CODE, EDGE_CALLSITE_TAG, NETWORK_GUARD_HELPER, RUNTIME_SYMBOLS } from "./constants.js";
import { networkGuardFunction } from "./network-guard.js";
import { TOOL_GATE_CORE_SOURCE, assertMarker, gateConfigLiteral } from "./tool-gate-core.js";

/** Packages whose own nested `undici` the overlay also hooks (2026.9.x sends via `@openclaw/ai`). */
export const OVERLAY_DEFAULT_UNDICI_HOSTS: readonly string[] = ["@openclaw/ai"];

/** Suggested file names for the overlay in a package's `dist/` (the engine may choose others). */
export const OVERLAY_FILE_NAMES = { esm: "clawpatch-overlay.mjs", cjs: "clawpatch-overlay.cjs" } as const;

export interface OverlayOptions {
  /** Packages (resolved from the overlay's location) whose nested `undici` is hooked too. */
  undiciHosts?: readonly string[];
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line.length > 0 ? "  " + line : line))
    .join("\n");
}

function overlayBody(settings: VllmSettings, marker: string, undiciHosts: readonly string[]): string {
  const S = RUNTIME_SYMBOLS;
  return String.raw`(function (require, selfFile, format) {
  "use strict";
  var G = globalThis;
  var INSTALLED = Symbol.for("${S.overlayInstalled}");
  if (G[INSTALLED]) return;
  var state = { marker: ${JSON.stringify(marker.slice(2, -2))}, format: format, file: String(selfFile), hooks: [], networkGuard: false };
  try {
    Object.defineProperty(G, INSTALLED, { value: state, configurable: true, writable: true });
  } catch (e) {
    return;
  }

${indent(TOOL_GATE_CORE_SOURCE)}

${indent(networkGuardFunction())}

  var CFG = ${gateConfigLiteral(settings)};
  var UNDICI_HOSTS = ${JSON.stringify([...undiciHosts])};
  var TAG = ${JSON.stringify(EDGE_CALLSITE_TAG)};
  var CODE = ${JSON.stringify(BYPASS_ERROR_CODE)};
  var WRAPPED = Symbol.for("${S.fetchWrapped}");
  var SHAPES = Symbol.for("${S.edgeShapesWarned}");

  function stackFingerprint() {
    var limit = Error.stackTraceLimit;
    var stack = "";
    try {
      Error.stackTraceLimit = 30;
      stack = String(new Error().stack || "");
    } catch (e) {
      return null;
    } finally {
      Error.stackTraceLimit = limit;
    }
    var lines = stack.split("\n").slice(1);
    var out = [];
    for (var i = 0; i < lines.length && out.length < 4; i++) {
      var l = lines[i].trim();
      var m = /\((.+):(\d+):\d+\)$/.exec(l) || /^at (?:async )?(.+):(\d+):\d+$/.exec(l);
      if (!m) continue;
      var file = m[1].replace(/[?#].*$/, "");
      if (file === selfFile || file.indexOf("node:") === 0 || file.indexOf("internal/") === 0 || file.indexOf("<anonymous>") !== -1) continue;
      out.push(file + ":" + m[2]);
    }
    return out.length ? out.join(" | ") : null;
  }

  function targetUrl(x) {
    return x.origin + x.pathname + (x.search ? "?<redacted>" : "");
  }

  function readBody(body) {
    if (typeof body === "string") return { kind: "string", text: body };
    if (body !== null && typeof body === "object" && typeof Uint8Array === "function" && body instanceof Uint8Array) {
      try {
        return { kind: "bytes", text: new TextDecoder("utf-8", { fatal: true }).decode(body) };
      } catch (e) {
        return { kind: "bytes", text: null };
      }
    }
    return { kind: body === undefined || body === null ? "none" : "other", text: null };
  }

  function utf8Length(text) {
    try {
      return typeof Buffer === "function" ? Buffer.byteLength(text, "utf8") : new TextEncoder().encode(text).length;
    } catch (e) {
      return null;
    }
  }

  function headerLength(h) {
    try {
      if (h === null || typeof h !== "object") return null;
      var v = null;
      if (typeof h.get === "function" && !Array.isArray(h)) v = h.get("content-length");
      else if (Array.isArray(h)) {
        for (var i = 0; i < h.length; i++) if (h[i] && String(h[i][0]).toLowerCase() === "content-length") v = h[i][1];
      } else {
        var keys = Object.keys(h);
        for (var j = 0; j < keys.length; j++) if (keys[j].toLowerCase() === "content-length") v = h[keys[j]];
      }
      var n = v === null || v === undefined ? NaN : Number(v);
      return isFinite(n) ? n : null;
    } catch (e) {
      return null;
    }
  }

  function fixContentLength(h, length) {
    var v = String(length);
    if (h === null || h === undefined || typeof h !== "object") return h;
    if (Array.isArray(h)) {
      var changed = false;
      var pairs = h.map(function (p) {
        if (p && p.length >= 2 && String(p[0]).toLowerCase() === "content-length") {
          changed = true;
          return [p[0], v];
        }
        return p;
      });
      return changed ? pairs : h;
    }
    if (typeof h.forEach === "function" && typeof h.has === "function") {
      if (!h.has("content-length")) return h;
      var list = [];
      h.forEach(function (value, name) {
        list.push([name, String(name).toLowerCase() === "content-length" ? v : value]);
      });
      return list;
    }
    var keys = Object.keys(h);
    var copy = {};
    var hit = false;
    for (var i = 0; i < keys.length; i++) {
      if (keys[i].toLowerCase() === "content-length") {
        copy[keys[i]] = v;
        hit = true;
      } else copy[keys[i]] = h[keys[i]];
    }
    return hit ? copy : h;
  }

  function remediationFor(decision) {
    if (decision.reason === "tool_choice_without_tools") {
      return "The request carried tool_choice without a non-empty tools array, which the payload gate removes: the gate did not run for this request. Run 'clawpatch doctor' to see which runtime really executes and 'clawpatch patch --root <that runtime>'. Unset OPENCLAW_STRICT_TOOL_PAYLOAD to sanitise at the edge instead of refusing.";
    }
    return "The vLLM tool gate in the payload builder did not run for this request (an unpatched or stale runtime, or a code path it does not cover). Run 'clawpatch doctor' to see which runtime really executes and 'clawpatch patch --root <that runtime>'. If this vLLM server runs with --enable-auto-tool-choice --tool-call-parser, set vllm.toolCalling.enabled (or OPENCLAW_VLLM_TOOLCALL=1). Unset OPENCLAW_STRICT_TOOL_PAYLOAD to sanitise at the edge instead of refusing.";
  }

  // Strict mode: the request is never sent; the caller gets a synthetic HTTP 400 whose JSON
  // body has the OpenAI error shape, so an OpenAI-style client shows the code to the user
  // and does not retry (a rejected fetch reads as a network failure: retried, then
  // "Connection error."). One structured log line per refused request.
  function bypassRefusal(x, model, decision, via) {
    var remediation = remediationFor(decision);
    var message = CODE + ": a request to the vLLM endpoint " + x.origin + " (model " + (model === null ? "unknown" : model) + ") still carried " + decision.removed.join(" and ") + " at " + TAG + "; clawpatch refused to send it. " + remediation;
    __cp_emit({ level: "error", msg: "tool_payload_sanitizer_bypassed", code: CODE, origin: x.origin, model: model, callsite_tag: TAG, removed: decision.removed, reason: decision.reason, via: via, remediation: remediation, source: "clawpatch" });
    return {
      error: {
        message: message,
        type: "clawpatch_strict_tool_payload",
        code: CODE,
        param: null,
        origin: x.origin,
        provider_id: null,
        model: model,
        callsite_tag: TAG,
        removed: decision.removed.slice(),
        reason: decision.reason,
        remediation: remediation
      }
    };
  }

  function refusalResponse(body, ResponseCtor) {
    var text = JSON.stringify(body);
    var init = {
      status: 400,
      statusText: "Bad Request",
      headers: { "content-type": "application/json", "x-clawpatch-refused": CODE }
    };
    var Ctor = typeof ResponseCtor === "function" ? ResponseCtor : typeof G.Response === "function" ? G.Response : null;
    if (Ctor === null) {
      var err = new Error(body.error.message);
      err.name = "ToolPayloadBypassError";
      err.code = CODE;
      err.body = body;
      return Promise.reject(err);
    }
    try {
      return Promise.resolve(new Ctor(text, init));
    } catch (e) {
      return Promise.resolve(new G.Response(text, init));
    }
  }

  function warnShape(x, model, decision, calling, via) {
    var key = x.origin + " " + x.pathname + " " + decision.reason + " " + decision.removed.join(",");
    var seen = G[SHAPES];
    if (!seen || typeof seen !== "object") {
      seen = Object.create(null);
      try {
        Object.defineProperty(G, SHAPES, { value: seen, configurable: true, writable: true });
      } catch (e) {}
    }
    if (seen[key]) return;
    seen[key] = true;
    __cp_emit({ level: "warn", msg: "tool_payload_sanitized", callsite_tag: TAG, endpoint: x.origin, path: x.pathname, model: model, removed: decision.removed, tools: decision.tools, reason: decision.reason, tool_calling: calling.source, via: via, source: "clawpatch" });
  }

  // Returns null (pass the call through untouched), { init } (call with this init) or
  // { refuse } (answer with a synthetic 400 carrying this OpenAI-shaped error body).
  function inspect(input, init, via) {
    var x = null;
    var isRequest = false;
    if (typeof input === "string") x = __cp_parseUrl(input);
    else if (input !== null && typeof input === "object") {
      if (typeof URL === "function" && input instanceof URL) x = __cp_parseUrl(input.href);
      else if (typeof input.url === "string" && typeof input.method === "string") {
        isRequest = true;
        x = __cp_parseUrl(input.url);
      } else if (typeof input.href === "string") x = __cp_parseUrl(input.href);
    }
    if (x === null || !__cp_isGatedUrl(x.href, CFG)) return null;
    var trace = __cp_envFlag("OPENCLAW_TRACE_VLLM_OUTBOUND") === true;
    var o = init !== null && typeof init === "object" ? init : null;
    var read = isRequest ? { kind: "request", text: null } : readBody(o ? o.body : undefined);
    var payload = null;
    if (read.text !== null && /^\s*\{/.test(read.text)) {
      try {
        payload = JSON.parse(read.text);
      } catch (e) {
        payload = null;
      }
      if (payload === null || typeof payload !== "object" || Array.isArray(payload)) payload = null;
    }
    var model = payload !== null && typeof payload.model === "string" ? payload.model : null;
    var calling = __cp_toolCalling(CFG);
    var decision = payload !== null ? __cp_decide(payload, true, calling.enabled) : null;
    var plan = null;
    var action = "passed";
    var wire = payload;
    var length = read.text !== null ? (read.kind === "bytes" ? o.body.byteLength : utf8Length(read.text)) : headerLength(o ? o.headers : null);
    if (decision !== null) {
      if (__cp_envFlag("OPENCLAW_STRICT_TOOL_PAYLOAD") === true) {
        action = "refused";
        plan = { refuse: bypassRefusal(x, model, decision, via) };
      } else {
        wire = __cp_without(payload, decision.removed);
        var text = JSON.stringify(wire);
        var body;
        if (read.kind === "string") body = text;
        else if (typeof Buffer === "function" && Buffer.isBuffer(o.body)) body = Buffer.from(text, "utf8");
        else body = new TextEncoder().encode(text);
        length = typeof body === "string" ? utf8Length(body) : body.byteLength;
        var next = Object.assign({}, o);
        next.body = body;
        if (o.headers !== undefined) next.headers = fixContentLength(o.headers, length);
        action = "sanitized";
        plan = { init: next };
        warnShape(x, model, decision, calling, via);
      }
    }
    if (trace) {
      var method = (o && typeof o.method === "string" && o.method) || (isRequest ? input.method : "GET");
      __cp_emit({
        subsystem: "tool_payload_trace",
        event: "vllm_outbound_trace",
        ts: new Date().toISOString(),
        target_url: targetUrl(x),
        method: String(method).toUpperCase(),
        content_length: length,
        payload_top_keys: wire !== null ? Object.keys(wire) : null,
        has_tools: wire !== null ? Object.prototype.hasOwnProperty.call(wire, "tools") : null,
        has_tool_choice: wire !== null ? Object.prototype.hasOwnProperty.call(wire, "tool_choice") : null,
        callsite_tag: TAG,
        stack_fingerprint: stackFingerprint(),
        action: action,
        body_kind: read.kind,
        model: model,
        via: via
      });
    }
    return plan;
  }

  // Depth of guarded fetch calls on the stack: a guarded fetch that (synchronously) calls
  // another guarded fetch, e.g. an app's own globalThis.fetch wrapper around ours, is
  // inspected once, by the outermost one.
  var active = 0;
  function wrapFetch(orig, via, ResponseCtor) {
    if (typeof orig !== "function" || orig[WRAPPED]) return orig;
    var wrapped = function fetch(input, init) {
      if (active > 0) return orig.apply(this, arguments);
      var plan = null;
      try {
        plan = inspect(input, init, via);
      } catch (e) {
        plan = null;
      }
      if (plan !== null && plan.refuse) return refusalResponse(plan.refuse, ResponseCtor);
      var args = arguments;
      if (plan !== null) {
        args = Array.prototype.slice.call(arguments);
        args[1] = plan.init;
      }
      active++;
      try {
        return orig.apply(this, args);
      } finally {
        active--;
      }
    };
    try {
      Object.defineProperty(wrapped, WRAPPED, { value: orig });
    } catch (e) {}
    return wrapped;
  }

  // globalThis.fetch becomes an accessor: whatever is assigned later (undici's install(), a
  // proxy setup, an app's own wrapper) is guarded too.
  function hookGlobalFetch() {
    var current = wrapFetch(G.fetch, "globalThis.fetch");
    var desc = Object.getOwnPropertyDescriptor(G, "fetch");
    try {
      Object.defineProperty(G, "fetch", {
        configurable: true,
        enumerable: desc ? !!desc.enumerable : false,
        get: function () {
          return current;
        },
        set: function (value) {
          current = typeof value === "function" ? wrapFetch(value, "globalThis.fetch") : value;
        }
      });
      return G.fetch === current;
    } catch (e) {
      return replaceProperty(G, "fetch", current);
    }
  }

  function replaceProperty(obj, key, value) {
    try {
      obj[key] = value;
    } catch (e) {}
    if (obj[key] !== value) {
      try {
        Object.defineProperty(obj, key, { value: value, writable: true, configurable: true, enumerable: true });
      } catch (e) {}
    }
    return obj[key] === value;
  }

  function undiciCandidates() {
    var out = [];
    function add(p) {
      if (typeof p === "string" && out.indexOf(p) === -1) out.push(p);
    }
    try {
      add(require.resolve("undici"));
    } catch (e) {}
    var fs = null;
    var path = null;
    try {
      fs = require("node:fs");
      path = require("node:path");
    } catch (e) {
      return out;
    }
    for (var i = 0; i < UNDICI_HOSTS.length; i++) {
      var dirs = null;
      try {
        dirs = require.resolve.paths(UNDICI_HOSTS[i]);
      } catch (e) {}
      if (!dirs) continue;
      for (var j = 0; j < dirs.length; j++) {
        var dir = path.join(dirs[j], UNDICI_HOSTS[i]);
        if (!fs.existsSync(path.join(dir, "package.json"))) continue;
        try {
          add(require.resolve("undici", { paths: [dir] }));
        } catch (e) {}
        break;
      }
    }
    return out;
  }

  try {
    var os = require("node:os");
    var guardedNI = ${NETWORK_GUARD_HELPER}(os.networkInterfaces, os);
    if (typeof guardedNI === "function" && replaceProperty(os, "networkInterfaces", guardedNI)) {
      state.networkGuard = true;
      try {
        require("node:module").syncBuiltinESMExports();
      } catch (e) {}
    }
  } catch (e) {}

  try {
    if (typeof G.fetch === "function") {
      if (hookGlobalFetch()) state.hooks.push("globalThis.fetch");
    }
  } catch (e) {}

  var found = undiciCandidates();
  for (var k = 0; k < found.length; k++) {
    try {
      var u = require(found[k]);
      if (u && typeof u.fetch === "function") {
        var uf = wrapFetch(u.fetch, "undici.fetch", u.Response);
        if (replaceProperty(u, "fetch", uf)) state.hooks.push("undici.fetch:" + found[k]);
      }
    } catch (e) {}
  }

  if (__cp_envFlag("OPENCLAW_TRACE_VLLM_OUTBOUND") === true) {
    __cp_emit({ level: "info", msg: "clawpatch_overlay_installed", subsystem: "tool_payload_trace", format: format, marker: state.marker, fetch_hooks: state.hooks, network_guard: state.networkGuard, gate: CFG.endpoints ? "configured-origins" : "default-loopback-origins", ts: new Date().toISOString() });
  }
})`;
}

/**
 * The overlay module text. `format: "esm"` for an ES module file (`.mjs`, or `.js` in a
 * `"type": "module"` package), `"cjs"` for a CommonJS one; both from one body.
 */
export function overlayModuleSource(
  settings: VllmSettings,
  format: "esm" | "cjs",
  marker: string,
  options: OverlayOptions = {},
): string {
  assertMarker(marker);
  const body = overlayBody(settings, marker, options.undiciHosts ?? OVERLAY_DEFAULT_UNDICI_HOSTS);
  if (format === "esm") {
    return `${marker}
import { createRequire as __clawpatch_createRequire } from "node:module";
const __clawpatch_require = __clawpatch_createRequire(import.meta.url);
${body}(__clawpatch_require, import.meta.url, "esm");
`;
  }
  if (format === "cjs") {
    return `${marker}
"use strict";
${body}(require, __filename, "cjs");
`;
  }
  throw new Error(`overlay format must be "esm" or "cjs", got ${JSON.stringify(format)}`);
}

/**
 * The statement that loads the overlay, for insertion right after an entry's shebang (or at
 * offset 0): `import "<specifier>";` for an ES module entry, `require("<specifier>");` for a
 * CommonJS one, followed by the marker and a newline. `specifier` is relative to the entry
 * (e.g. `./clawpatch-overlay.mjs`).
 */
export function overlayImportSource(format: "esm" | "cjs", specifier: string, marker: string): string {
  assertMarker(marker);
  if (!/^\.\.?\//.test(specifier)) throw new Error(`overlay specifier must be relative ("./..."), got ${JSON.stringify(specifier)}`);
  if (format === "esm") return `import ${JSON.stringify(specifier)};${marker}\n`;
  if (format === "cjs") return `require(${JSON.stringify(specifier)});${marker}\n`;
  throw new Error(`overlay format must be "esm" or "cjs", got ${JSON.stringify(format)}`);
}

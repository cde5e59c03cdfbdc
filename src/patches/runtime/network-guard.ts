import { NETWORK_GUARD_HELPER, RUNTIME_SYMBOLS } from "./constants.js";

/** The body shared by the network guard helper and the overlay's process-wide fallback. */
export function networkGuardFunction(): string {
  return `function ${NETWORK_GUARD_HELPER}(fn, self) {
  "use strict";
  if (typeof fn !== "function") return fn;
  var G = globalThis;
  var WRAPPER = Symbol.for("${RUNTIME_SYMBOLS.networkGuardWrapper}");
  if (fn[WRAPPER] === true) return fn;
  var CACHE = Symbol.for("${RUNTIME_SYMBOLS.networkGuardCache}");
  var cache = G[CACHE];
  if (!cache || typeof cache.get !== "function" || typeof cache.set !== "function") {
    cache = new WeakMap();
    try {
      Object.defineProperty(G, CACHE, { value: cache, configurable: true, writable: true });
    } catch (e) {}
  }
  var hit = cache.get(fn);
  if (hit) return hit;
  var guarded = function networkInterfaces() {
    try {
      return fn.apply(this === undefined ? self : this, arguments);
    } catch (err) {
      var LOGGED = Symbol.for("${RUNTIME_SYMBOLS.networkEnumLogged}");
      if (!G[LOGGED]) {
        try {
          Object.defineProperty(G, LOGGED, { value: true, configurable: true, writable: true });
        } catch (e) {}
        var message;
        try {
          message = err && typeof err === "object" && "message" in err ? String(err.message) : String(err);
        } catch (e) {
          message = "unknown error";
        }
        try {
          if (typeof process !== "undefined" && process && process.stderr && typeof process.stderr.write === "function") {
            process.stderr.write(JSON.stringify({ level: "warn", msg: "network_enum_degraded", code: "NETWORK_ENUM_DEGRADED", error: message, source: "clawpatch" }) + "\\n");
            process.stderr.write("NETWORK_ENUM_DEGRADED: " + message + "\\n");
          }
        } catch (e) {}
      }
      return {};
    }
  };
  try {
    Object.defineProperty(guarded, WRAPPER, { value: true });
  } catch (e) {}
  cache.set(fn, guarded);
  return guarded;
}`;
}

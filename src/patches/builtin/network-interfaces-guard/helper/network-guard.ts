/**
 * The network enumeration guard: `guardNetworkInterfaces(fn, self)` returns a function that
 * calls `fn` (with the call's `this`, or `self` without one); on a throw it returns `{}` and
 * logs `NETWORK_ENUM_DEGRADED` once per process. One wrapper per `fn`, shared by every copy of
 * this code; a non-function or an already guarded function is returned as it is.
 */
import {
  NETWORK_ENUM_DEGRADED,
  NETWORK_ENUM_LOGGED_KEY,
  NETWORK_GUARD_CACHE_KEY,
  NETWORK_GUARD_WRAPPER_KEY,
} from "../../../runtime/symbols.js";

type Enumerate = (...args: unknown[]) => unknown;

export function guardNetworkInterfaces(fn: unknown, self: unknown): unknown {
  if (typeof fn !== "function") return fn;
  const g = globalThis as Record<symbol, unknown>;
  const WRAPPER = Symbol.for(NETWORK_GUARD_WRAPPER_KEY);
  if ((fn as unknown as Record<symbol, unknown>)[WRAPPER] === true) return fn;
  const CACHE = Symbol.for(NETWORK_GUARD_CACHE_KEY);
  let cache = g[CACHE] as WeakMap<object, Enumerate> | undefined;
  if (!cache || typeof cache.get !== "function" || typeof cache.set !== "function") {
    cache = new WeakMap();
    try {
      Object.defineProperty(globalThis, CACHE, { value: cache, configurable: true, writable: true });
    } catch {
      // a frozen global: this copy keeps its own cache
    }
  }
  const hit = cache.get(fn);
  if (hit) return hit;
  const original = fn as Enumerate;
  const guarded = function networkInterfaces(this: unknown, ...args: unknown[]): unknown {
    try {
      return original.apply(this === undefined ? self : this, args);
    } catch (error) {
      reportOnce(error);
      return {};
    }
  };
  try {
    Object.defineProperty(guarded, WRAPPER, { value: true });
  } catch {
    // a frozen function: it is still cached below
  }
  cache.set(fn, guarded);
  return guarded;
}

function reportOnce(error: unknown): void {
  const g = globalThis as Record<symbol, unknown>;
  const LOGGED = Symbol.for(NETWORK_ENUM_LOGGED_KEY);
  if (g[LOGGED]) return;
  try {
    Object.defineProperty(globalThis, LOGGED, { value: true, configurable: true, writable: true });
  } catch {
    // logged again by another copy at worst
  }
  let message: string;
  try {
    message = error && typeof error === "object" && "message" in error ? String((error as { message: unknown }).message) : String(error);
  } catch {
    message = "unknown error";
  }
  try {
    if (typeof process !== "undefined" && process && process.stderr && typeof process.stderr.write === "function") {
      process.stderr.write(
        `${JSON.stringify({ level: "warn", msg: "network_enum_degraded", code: NETWORK_ENUM_DEGRADED, error: message, source: "clawmend" })}\n`,
      );
      process.stderr.write(`${NETWORK_ENUM_DEGRADED}: ${message}\n`);
    }
  } catch {
    // a closed stderr must not break enumeration
  }
}

/**
 * Runs inside OpenClaw, as the body of `__clawmend_timeoutFloor(ms, config)`: every value
 * `resolveAgentTimeoutMs(config)` returns passes through `timeoutFloor(ms, config, options)`.
 * A number below the floor becomes the floor, and the first such raise in a process says so on
 * stderr. Anything else is returned as it is. Never throws.
 */
export function timeoutFloor(ms: unknown, config: unknown, options: { floorMs: number }): unknown {
  if (typeof ms !== "number" || !(ms < options.floorMs)) return ms;
  const g = globalThis as Record<symbol, unknown>;
  const SAID = Symbol.for("clawmend.example.timeoutFloor.said");
  if (!g[SAID]) {
    g[SAID] = true;
    try {
      process.stderr.write(`clawmend example: agent timeout ${ms} ms raised to ${options.floorMs} ms\n`);
    } catch {
      // stderr closed: the floor still applies
    }
  }
  return options.floorMs;
}

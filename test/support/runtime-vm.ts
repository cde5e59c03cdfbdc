/**
 * The code that runs inside OpenClaw, evaluated the way it is inserted (the exact snippet
 * text) in a `vm` context with globals of its own: its own `process.env` and a `stderr` that
 * records what it writes. Nothing leaks between sandboxes (each has its own `globalThis`, so
 * every once-per-process flag starts fresh).
 */
import vm from "node:vm";
import type { GateConfig } from "../../src/patches/gate-config.js";
import { builtinMarker } from "./markers.js";
export { jsonLines } from "./probes.js";
import { NETWORK_GUARD } from "../../src/patches/builtin/network-interfaces-guard/spec.js";
import { TOOL_GATE } from "../../src/patches/builtin/vllm-tool-gate/spec.js";

export interface Sandbox {
  /** The sandbox's `process.env`, read by the code at call time. */
  env: Record<string, string>;
  /** What the code wrote to `process.stderr`, one entry per write. */
  stderr: string[];
  evaluate<T>(code: string): T;
}

export function sandbox(env: Record<string, string> = {}): Sandbox {
  const stderr: string[] = [];
  const processEnv: Record<string, string> = { ...env };
  const context = vm.createContext({
    process: { env: processEnv, stderr: { write: (chunk: unknown) => (stderr.push(String(chunk)), true) } },
    URL,
    TextDecoder,
    TextEncoder,
    Buffer,
  });
  return { env: processEnv, stderr, evaluate: <T>(code: string) => vm.runInContext(code, context) as T };
}

export type Gate = (params: unknown, model: unknown) => unknown;
export type Guard = (fn: unknown, self: unknown) => unknown;

/** The payload gate as the tool gate patch inserts it. */
export function toolGateIn(sb: Sandbox, cfg: GateConfig, marker = builtinMarker("vllm-tool-gate")): Gate {
  return sb.evaluate<Gate>(`${TOOL_GATE.source(cfg, marker)}\n${TOOL_GATE.name};`);
}

/** The network guard as the guard patch inserts it. */
export function networkGuardIn(sb: Sandbox, marker = builtinMarker("network-interfaces-guard")): Guard {
  return sb.evaluate<Guard>(`${NETWORK_GUARD.source(undefined, marker)}\n${NETWORK_GUARD.name};`);
}

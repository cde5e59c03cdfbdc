import { clientHost, DEFAULT_VLLM_PORTS, type VllmSettings } from "../config/settings.js";
import type { GateConfig } from "./runtime/gated-request.js";
import { isLoopbackHost } from "./runtime/gated-request.js";

export type { GateConfig };

/**
 * What the gate and the overlay treat as a local vLLM: the union of `vllm.endpoints`, the
 * launcher's address and the defaults (loopback hosts on 8000/8001), and the provider ids.
 * The launcher on a loopback or wildcard host adds its port to the loopback rule; on another
 * host, its origin. Origins are normalised (`new URL(x).origin`), sorted, without duplicates.
 */
export function gateConfigOf(vllm: VllmSettings): GateConfig {
  const origins = new Set(vllm.endpoints.map((e) => new URL(e).origin));
  const ports = new Set(DEFAULT_VLLM_PORTS);
  const { host, port } = vllm.launcher;
  const client = clientHost(host);
  if (isLoopbackHost(client)) ports.add(port);
  else origins.add(new URL(`http://${client}:${port}`).origin);
  return {
    origins: [...origins].sort(),
    loopbackPorts: [...ports].sort((a, b) => a - b),
    providers: [...new Set(vllm.providers)].sort(),
    toolCalling: vllm.toolCalling.enabled,
  };
}

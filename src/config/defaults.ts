import type { VllmSettings } from "./settings.js";

/**
 * The `vllm` settings of a run without a config file, written out so that such a run (the
 * postinstall hook, `patch --verify` in CI) never loads the schema library. A test checks it
 * against what the schema makes of `{}`.
 */
export const DEFAULT_VLLM_SETTINGS: VllmSettings = {
  providers: ["vllm"],
  toolCalling: { enabled: false, parser: "hermes" },
  launcher: {
    host: "127.0.0.1",
    port: 8001,
    python: "python3",
    gpuMemoryUtilization: 0.9,
    tensorParallelSize: 1,
    allowDownload: false,
    extraArgs: [],
    safetyMarginMib: 512,
    startLimitIntervalSec: 60,
    startLimitBurst: 3,
    gatewayPort: 18789,
  },
};

export const DEFAULT_VLLM_PORTS = [8000, 8001] as const;

/** A fresh copy of the defaults (callers may keep and change theirs). */
export function defaultVllmSettings(): VllmSettings {
  return structuredClone(DEFAULT_VLLM_SETTINGS);
}

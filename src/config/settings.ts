import type { PatchSpec } from "../core/spec.js";

/**
 * The settings of a run, resolved: one source of truth for the vLLM tool gate, the runtime
 * overlay, the launcher and the doctor, so the server's flags and the gate never disagree.
 * Plain types and the defaults written out: a run without a config file never loads the schema.
 */

export interface LauncherSettings {
  model?: string;
  servedModelName?: string;
  host: string;
  port: number;
  python: string;
  gpuMemoryUtilization: number;
  maxModelLen?: number;
  tensorParallelSize: number;
  allowDownload: boolean;
  extraArgs: string[];
  /** MiB added to the memory vLLM will claim before comparing with free memory. */
  safetyMarginMib: number;
  startLimitIntervalSec: number;
  startLimitBurst: number;
  gatewayPort: number;
  /** Runtime copy the gateway unit executes (for the generated systemd drop-in). */
  runtimeDir?: string;
}

export interface VllmSettings {
  /** Origins (`http://host:port`) gated in addition to the defaults and the launcher's address. */
  endpoints: string[];
  /** Provider ids always treated as vLLM, whatever the URL. */
  providers: string[];
  toolCalling: {
    /** The server runs with --enable-auto-tool-choice --tool-call-parser. */
    enabled: boolean;
    /** vLLM --tool-call-parser, used by the launcher when enabled. */
    parser: string;
  };
  launcher: LauncherSettings;
}

export interface Settings {
  vllm: VllmSettings;
}

/** The built-in patches for some settings: given by the caller, so the config layer knows no patch. */
export type BuiltinPatches = (settings: Settings) => PatchSpec[];

/** What a config file may say (every key optional). */
export interface VllmConfigInput {
  endpoints?: string[];
  providers?: string[];
  toolCalling?: Partial<VllmSettings["toolCalling"]>;
  launcher?: Partial<LauncherSettings>;
}

/** Loopback ports gated without any configuration (vLLM's 8000 and the launcher's 8001). */
export const DEFAULT_VLLM_PORTS: readonly number[] = [8000, 8001];

/** Hosts a server can listen on for every address of the machine: clients reach it on loopback. */
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/** The host clients use for a server listening on `host`: loopback for a wildcard, an IPv6 address in brackets. */
export function clientHost(host: string): string {
  if (WILDCARD_HOSTS.has(host)) return "127.0.0.1";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The settings of a run without a config file. A test checks them against the schema's defaults. */
export function defaultSettings(): Settings {
  return {
    vllm: {
      endpoints: [],
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
    },
  };
}

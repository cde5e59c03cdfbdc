import { isAbsolute, resolve } from "node:path";
import type { LauncherSettings as ConfiguredLauncher, VllmSettings } from "../config/settings.js";
import { ClawmendError } from "../core/errors.js";
import { systemdExecutableSafe, unitSafe } from "./quote.js";

/**
 * Everything the generator needs, fully resolved: the same value gives the same bytes. The
 * config's launcher settings, with the model required and the gateway's part resolved.
 */
export interface LauncherSettings extends Omit<ConfiguredLauncher, "model" | "runtimeDir" | "gatewayPort"> {
  /** Absolute directory the files are meant for (the unit's ExecStart points into it). */
  outDir: string;
  model: string;
  toolCalling: { enabled: boolean; parser: string };
  /** The drop-in for OpenClaw's gateway unit; null without a runtime (the vLLM files need none). */
  gateway: GatewaySettings | null;
  /** Written into headers, e.g. `clawmend 0.1.0`. */
  generator: string;
}

export interface GatewaySettings {
  /** Absolute path of the OpenClaw runtime the gateway unit executes (an openclaw package). */
  runtimeDir: string;
  /** Absolute path of the node binary for the gateway and the ExecStartPre verify. */
  node: string;
  /** Absolute path of clawmend's bin script (run with `node`). */
  clawmendBin: string;
  /** Config file the settings came from: the gateway's verify step uses the same one. */
  configFile?: string;
  /** What follows `dist/index.js` on the gateway's ExecStart (kept from the operator's unit, else `gateway --port N`). */
  args: string[];
  /**
   * Mirror mode: the patched mirror of `runtimeDir` the unit runs (for a runtime its user cannot
   * write, e.g. a root-owned global install). Null: `runtimeDir` is healed in place and run.
   */
  mirrorDir: string | null;
}

/** The openclaw package the gateway unit and the `openclaw` wrapper execute. */
export function executedRuntime(g: GatewaySettings): string {
  return g.mirrorDir ?? g.runtimeDir;
}

/** What the command line can override (undefined: keep the config's value). */
export interface LauncherOverrides {
  model?: string;
  servedModelName?: string;
  host?: string;
  port?: number;
  python?: string;
  gpuMemoryUtilization?: number;
  maxModelLen?: number;
  tensorParallelSize?: number;
  toolCallParser?: string;
  toolCalling?: boolean;
  allowDownload?: boolean;
  extraArgs?: string[];
  runtimeDir?: string;
}

export interface LauncherPaths {
  cwd: string;
  outDir: string;
  node: string;
  clawmendBin: string;
  generator: string;
  configFile?: string | null;
  /** The gateway arguments of the operator's current unit, when it names them. */
  gatewayArgs?: string[] | null;
  /** Mirror mode's directory; absent: heal the runtime in place. */
  mirrorDir?: string | null;
}

/**
 * vLLM flags the launcher sets itself from the config. Passing them again through extraArgs
 * would let the server's port or tool-calling flags disagree with the preflight and the gate.
 */
export const MANAGED_VLLM_FLAGS: Record<string, string> = {
  "--model": "--model",
  "--host": "--host",
  "--port": "--port",
  "--served-model-name": "--served-model-name",
  "--gpu-memory-utilization": "--gpu-memory-utilization",
  "--tensor-parallel-size": "--tensor-parallel-size",
  "-tp": "--tensor-parallel-size",
  "--max-model-len": "--max-model-len",
  "--enable-auto-tool-choice": "--tool-calling",
  "--tool-call-parser": "--tool-call-parser",
};

export function resolveLauncherSettings(vllm: VllmSettings, overrides: LauncherOverrides, paths: LauncherPaths): LauncherSettings {
  const base = vllm.launcher;
  const model = overrides.model ?? base.model;
  if (model === undefined || model === "") {
    throw ClawmendError.usage("no model: pass --model M or set vllm.launcher.model in the config");
  }
  const runtime = overrides.runtimeDir ?? base.runtimeDir;
  const extraArgs = overrides.extraArgs && overrides.extraArgs.length > 0 ? overrides.extraArgs : base.extraArgs;
  for (const arg of extraArgs) {
    const flag = arg.split("=", 1)[0]!;
    const instead = MANAGED_VLLM_FLAGS[flag];
    if (instead) {
      throw ClawmendError.usage(`extra argument ${flag} is set by the launcher itself: use ${instead} instead`);
    }
  }
  const settings: LauncherSettings = {
    outDir: resolve(paths.cwd, paths.outDir),
    model,
    ...((overrides.servedModelName ?? base.servedModelName) !== undefined
      ? { servedModelName: (overrides.servedModelName ?? base.servedModelName)! }
      : {}),
    host: overrides.host ?? base.host,
    port: overrides.port ?? base.port,
    python: overrides.python ?? base.python,
    gpuMemoryUtilization: overrides.gpuMemoryUtilization ?? base.gpuMemoryUtilization,
    ...((overrides.maxModelLen ?? base.maxModelLen) !== undefined ? { maxModelLen: (overrides.maxModelLen ?? base.maxModelLen)! } : {}),
    tensorParallelSize: overrides.tensorParallelSize ?? base.tensorParallelSize,
    allowDownload: overrides.allowDownload ?? base.allowDownload,
    extraArgs: [...extraArgs],
    safetyMarginMib: base.safetyMarginMib,
    startLimitIntervalSec: base.startLimitIntervalSec,
    startLimitBurst: base.startLimitBurst,
    toolCalling: {
      enabled: overrides.toolCalling ?? vllm.toolCalling.enabled,
      parser: overrides.toolCallParser ?? vllm.toolCalling.parser,
    },
    gateway: runtime
      ? {
          runtimeDir: resolve(paths.cwd, runtime),
          node: resolve(paths.cwd, paths.node),
          clawmendBin: resolve(paths.cwd, paths.clawmendBin),
          ...(paths.configFile ? { configFile: resolve(paths.cwd, paths.configFile) } : {}),
          args: paths.gatewayArgs ?? ["gateway", "--port", String(base.gatewayPort)],
          mirrorDir: paths.mirrorDir ? resolve(paths.cwd, paths.mirrorDir) : null,
        }
      : null,
    generator: paths.generator,
  };
  validateLauncherSettings(settings);
  return settings;
}

/** Checks what the schema cannot: values that no file format here could carry. */
export function validateLauncherSettings(s: LauncherSettings): void {
  const strings: Array<[string, string]> = [
    ["model", s.model],
    ["host", s.host],
    ["python", s.python],
    ["tool call parser", s.toolCalling.parser],
    ...(s.servedModelName !== undefined ? [["served model name", s.servedModelName] as [string, string]] : []),
    ...s.extraArgs.map((a) => ["extra argument", a] as [string, string]),
  ];
  for (const [what, value] of strings) {
    if (value.includes("\0")) throw ClawmendError.usage(`${what} contains a NUL byte, which no argv can carry`);
    if (value === "") throw ClawmendError.usage(`${what} is empty`);
  }
  if (/\s/.test(s.host)) throw ClawmendError.usage(`host ${JSON.stringify(s.host)} contains whitespace`);
  if (/\s|,/.test(s.toolCalling.parser)) {
    throw ClawmendError.usage(`tool call parser ${JSON.stringify(s.toolCalling.parser)} is not a parser name`);
  }
  const intIn = (what: string, n: number, min: number, max: number) => {
    if (!Number.isInteger(n) || n < min || n > max) throw ClawmendError.usage(`${what} must be an integer in ${min}..${max}, got ${n}`);
  };
  intIn("port", s.port, 1, 65535);
  intIn("tensor parallel size", s.tensorParallelSize, 1, 4096);
  intIn("safety margin (MiB)", s.safetyMarginMib, 0, 1 << 30);
  if (s.maxModelLen !== undefined) intIn("max model len", s.maxModelLen, 1, Number.MAX_SAFE_INTEGER);
  if (!(s.gpuMemoryUtilization > 0 && s.gpuMemoryUtilization <= 1)) {
    throw ClawmendError.usage(`GPU memory utilization must be in (0, 1], got ${s.gpuMemoryUtilization}`);
  }
  const g = s.gateway;
  for (const [what, path] of [
    ["output directory", s.outDir],
    ...(g
      ? ([
          ["runtime directory", g.runtimeDir],
          ["node", g.node],
          ["clawmend bin", g.clawmendBin],
        ] as const)
      : []),
    ...(g?.configFile !== undefined ? [["config file", g.configFile] as const] : []),
    ...(g?.mirrorDir ? [["mirror directory", g.mirrorDir] as const] : []),
  ] as const) {
    if (!isAbsolute(path)) throw ClawmendError.usage(`${what} must be an absolute path: ${path}`);
    if (!unitSafe(path)) throw ClawmendError.usage(`${what} contains a control character, which a systemd unit cannot carry`);
  }
  for (const arg of g?.args ?? []) {
    if (!unitSafe(arg))
      throw ClawmendError.usage(`gateway argument ${JSON.stringify(arg)} holds a control character, which a systemd unit cannot carry`);
  }
  // Both become the executable of an Exec line, where systemd rejects quotes and backslashes.
  for (const [what, path] of [["output directory", s.outDir], ...(g ? [["node", g.node] as const] : [])] as const) {
    if (!systemdExecutableSafe(path)) {
      throw ClawmendError.usage(
        `${what} ${JSON.stringify(path)} holds a quote or a backslash, which systemd refuses in an executable path`,
      );
    }
  }
}

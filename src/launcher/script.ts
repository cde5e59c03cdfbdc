import { launchScriptTemplate, preflightPython } from "./templates.generated.js";
import { shArray, shQuote } from "./quote.js";
import type { LauncherSettings } from "./settings.js";

export const EXIT_CONFIG = 78;
export const EXIT_TRANSIENT = 42;

export const FAILED_MARKER = "VLLM_ASSISTANT_PREFLIGHT_FAILED";
export const OK_MARKER = "VLLM_ASSISTANT_PREFLIGHT_OK";

/** Every failure reason of the preflight, in check order, with its exit code. */
export const PREFLIGHT_REASONS = {
  python_missing: EXIT_CONFIG,
  vllm_not_importable: EXIT_CONFIG,
  model_missing: EXIT_CONFIG,
  tool_parser_invalid: EXIT_CONFIG,
  config_invalid: EXIT_CONFIG,
  port_in_use: EXIT_TRANSIENT,
  port_bound_not_listening: EXIT_TRANSIENT,
  nvidia_smi_missing: EXIT_TRANSIENT,
  nvidia_smi_failed: EXIT_TRANSIENT,
  gpu_not_visible: EXIT_TRANSIENT,
  gpu_memory_insufficient: EXIT_TRANSIENT,
} as const;

export type PreflightReason = keyof typeof PREFLIGHT_REASONS;

/** The vLLM arguments after the model, in a fixed order. */
export function vllmArgs(s: LauncherSettings): string[] {
  const args = ["--host", s.host, "--port", String(s.port)];
  if (s.servedModelName !== undefined) args.push("--served-model-name", s.servedModelName);
  args.push("--gpu-memory-utilization", formatNumber(s.gpuMemoryUtilization));
  args.push("--tensor-parallel-size", String(s.tensorParallelSize));
  if (s.maxModelLen !== undefined) args.push("--max-model-len", String(s.maxModelLen));
  if (s.toolCalling.enabled) args.push("--enable-auto-tool-choice", "--tool-call-parser", s.toolCalling.parser);
  args.push(...s.extraArgs);
  return args;
}

/** Plain decimal notation (never `1e-7`), the shortest that round-trips. */
export function formatNumber(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return n.toFixed(20).replace(/0+$/, "").replace(/\.$/, "");
}

/** A plugin may register parsers the static listing cannot see: skip the check then. */
function checksToolParser(s: LauncherSettings): boolean {
  return !s.extraArgs.some((a) => a === "--tool-parser-plugin" || a.startsWith("--tool-parser-plugin="));
}

/**
 * A line assigning single-quoted literals. When a value holds `$` or a backtick, shellcheck's
 * SC2016 ("expressions don't expand in single quotes") says what we want: say so on that line.
 */
function literal(line: string): string[] {
  return /[$`]/.test(line) ? ["# shellcheck disable=SC2016 # literal values: nothing in them is expanded", line] : [line];
}

/**
 * The script: the template src/launcher/templates/vllm-launch.sh (a real bash file, checked with
 * `bash -n` and shellcheck) with the configured values as literal assignments where
 * `@@SETTINGS@@` stands, and the constants where the other `@@NAME@@`s stand.
 */
export function generateScript(s: LauncherSettings): string {
  const configReasons = Object.entries(PREFLIGHT_REASONS)
    .filter(([, code]) => code === EXIT_CONFIG)
    .map(([reason]) => reason)
    .join("|");
  const settings = [
    ...literal(`readonly MODEL=${shQuote(s.model)}`),
    ...literal(`readonly PYTHON=${shQuote(s.python)}`),
    ...literal(`readonly HOST=${shQuote(s.host)}`),
    `readonly PORT=${shQuote(String(s.port))}`,
    `readonly GPU_MEMORY_UTILIZATION=${shQuote(formatNumber(s.gpuMemoryUtilization))}`,
    `readonly TENSOR_PARALLEL_SIZE=${shQuote(String(s.tensorParallelSize))}`,
    `readonly SAFETY_MARGIN_MIB=${shQuote(String(s.safetyMarginMib))}`,
    `readonly ALLOW_DOWNLOAD=${shQuote(s.allowDownload ? "1" : "0")}`,
    `readonly TOOL_CALLING=${shQuote(s.toolCalling.enabled ? "1" : "0")}`,
    ...literal(`readonly TOOL_CALL_PARSER=${shQuote(s.toolCalling.parser)}`),
    `readonly CHECK_TOOL_PARSER=${shQuote(checksToolParser(s) ? "1" : "0")}`,
    ...literal(`readonly -a VLLM_ARGS=(${shArray(vllmArgs(s))})`),
    "",
    "# Python half of the checks (src/launcher/templates/preflight.py; values reach it only as argv).",
    `readonly PREFLIGHT_HELPER=${shQuote(preflightPython)}`,
  ].join("\n");
  const values: Record<string, string> = {
    SETTINGS: settings,
    GENERATOR: s.generator,
    CONFIG_REASONS: configReasons,
    EXIT_CONFIG: String(EXIT_CONFIG),
    EXIT_TRANSIENT: String(EXIT_TRANSIENT),
    FAILED_MARKER,
    OK_MARKER,
  };
  return launchScriptTemplate.replace(/@@([A-Z_]+)@@/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`vllm-launch.sh template: unknown placeholder ${whole}`);
    return value;
  });
}

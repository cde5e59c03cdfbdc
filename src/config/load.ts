import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { builtinPatches } from "../patches/builtins.js";
import type { PatchSpec } from "../patches/spec.js";
import { defaultVllmSettings } from "./defaults.js";
import type { VllmSettings } from "./settings.js";

export const CONFIG_FILENAMES = ["patches.config.ts", "patches.config.mts", "patches.config.js", "patches.config.mjs"];

export interface ResolvedConfig {
  /** Absolute path of the file it came from, or null for the built-in default. */
  file: string | null;
  vllm: VllmSettings;
  patches: PatchSpec[];
}

export interface LoadConfigOptions {
  /** Directory searched for patches.config.* when `file` is not given. */
  cwd: string;
  /** Explicit config file (`--config`). */
  file?: string;
}

export function findConfigFile(cwd: string): string | null {
  for (const name of CONFIG_FILENAMES) {
    const candidate = resolve(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export async function loadConfig(options: LoadConfigOptions): Promise<ResolvedConfig> {
  const file = options.file ? resolve(options.cwd, options.file) : findConfigFile(options.cwd);
  if (options.file && !existsSync(file!)) {
    throw new ConfigError(`config file not found: ${file} (check --config)`);
  }
  if (!file) return { file: null, vllm: defaultVllmSettings(), patches: builtinPatches() };
  let raw: unknown;
  try {
    const { createJiti } = await import("jiti");
    const jiti = createJiti(import.meta.url, { moduleCache: false, interopDefault: true });
    raw = await jiti.import(file, { default: true });
  } catch (error) {
    throw new ConfigError(`${file}: cannot load config: ${firstLine(error)}`);
  }
  // The schema (zod) is loaded only to check a config file: a run on the defaults never pays for it.
  const { resolveConfig } = await import("./resolve.js");
  return resolveConfig(file, raw);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { builtinPatches } from "../patches/builtins.js";
import type { PatchSpec } from "../patches/spec.js";
import { configSchema, patchSpecSchema } from "./schema.js";
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
  if (!file) return resolveConfig(null, {});
  let raw: unknown;
  try {
    const { createJiti } = await import("jiti");
    const jiti = createJiti(import.meta.url, { moduleCache: false, interopDefault: true });
    raw = await jiti.import(file, { default: true });
  } catch (error) {
    throw new ConfigError(`${file}: cannot load config: ${firstLine(error)}`);
  }
  return resolveConfig(file, raw);
}

/** Validates a config object (as exported by a config file) and fills in defaults. */
export function resolveConfig(file: string | null, raw: unknown): ResolvedConfig {
  const where = file ?? "config";
  if (typeof raw !== "object" || raw === null) {
    throw new ConfigError(`${where}: the default export must be an object (use defineConfig({ ... }))`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${where}: ${describeIssue(parsed.error.issues[0]!)}`);
  const { vllm, patches } = parsed.data;
  const builtins = builtinPatches();
  let selected: PatchSpec[];
  if (typeof patches === "function") {
    const returned = patches(builtins);
    const checked = patchSpecSchema.array().safeParse(returned);
    if (!checked.success) {
      throw new ConfigError(`${where}: patches(): ${describeIssue(checked.error.issues[0]!)}`);
    }
    selected = returned;
  } else {
    selected = (patches as PatchSpec[] | undefined) ?? builtins;
  }
  const seen = new Set<string>();
  for (const spec of selected) {
    if (seen.has(spec.id)) throw new ConfigError(`${where}: patches: two patches share the id "${spec.id}"`);
    seen.add(spec.id);
  }
  return { file, vllm, patches: selected };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join(".") : "(root)";
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.join(", ");
    const at = issue.path.length ? `${path}.` : "";
    return `${at}${keys}: unknown key${issue.keys.length > 1 ? "s" : ""}`;
  }
  return `${path}: ${issue.message}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

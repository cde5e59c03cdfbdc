import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { ClawmendError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import type { PatchSpec } from "../core/spec.js";
import { defaultSettings, type BuiltinPatches, type Settings } from "./settings.js";

export const CONFIG_FILENAMES = ["patches.config.ts", "patches.config.mts", "patches.config.js", "patches.config.mjs"];

/** A run's configuration, resolved. */
export interface Config {
  /** Absolute path of the file it came from, or null for the built-in default. */
  file: string | null;
  /** sha256 of that file's bytes (null for the built-in default). */
  digest: string | null;
  settings: Settings;
  patches: PatchSpec[];
}

export interface LoadConfigOptions {
  /** Directory searched for patches.config.* when `file` is not given. */
  cwd: string;
  /** Explicit config file (`--config`). */
  file?: string;
  builtins: BuiltinPatches;
  /** The module a config file gets for `import ... from "clawmend"` (the library, loaded by the caller). */
  api: () => Promise<Record<string, unknown>>;
  /** Where a data-only config's value is kept between runs (config/cache.ts); none when absent. */
  cacheDir?: string | null;
}

export function findConfigFile(cwd: string): string | null {
  for (const name of CONFIG_FILENAMES) {
    const candidate = resolve(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export async function loadConfig(options: LoadConfigOptions): Promise<Config> {
  const file = options.file ? resolve(options.cwd, options.file) : findConfigFile(options.cwd);
  if (options.file && !existsSync(file!)) throw ClawmendError.usage(`config file not found: ${file} (check --config)`);
  if (!file) {
    const settings = defaultSettings();
    return { file: null, digest: null, settings, patches: options.builtins(settings) };
  }
  const bytes = readFileSync(file);
  const digest = sha256(bytes);
  const cacheDir = options.cacheDir ?? null;
  const { readCachedConfig } = await import("./cache.js");
  const cached = cacheDir ? settingsOf(readCachedConfig(cacheDir, file, digest)) : null;
  if (cached) return { file, digest, settings: cached, patches: options.builtins(cached) };
  const raw = await evaluateConfig(file, bytes, options);
  // The schema (zod) is loaded only to check a config file: a run on the defaults never pays for it.
  const { resolveConfig } = await import("./resolve.js");
  const resolved = resolveConfig(file, raw, options.builtins);
  if (cacheDir && (raw as { patches?: unknown }).patches === undefined) {
    const [{ isDataOnlyConfig }, { writeCachedConfig }] = await Promise.all([import("./data-only.js"), import("./cache.js")]);
    if (isDataOnlyConfig(bytes.toString("utf8"))) writeCachedConfig(cacheDir, file, digest, resolved.settings);
  }
  return { file, digest, ...resolved };
}

/** Settings kept by an earlier run (config/cache.ts: validated when kept), or null. */
function settingsOf(kept: unknown): Settings | null {
  const vllm = (kept as { vllm?: unknown } | null | undefined)?.vllm;
  return typeof vllm === "object" && vllm !== null ? (kept as Settings) : null;
}

/** Runs the config file (jiti) and returns its default export. */
async function evaluateConfig(file: string, bytes: Buffer, options: LoadConfigOptions): Promise<unknown> {
  try {
    // jiti through require: its CommonJS build, without the ES loader's scan of its exports.
    const { createJiti } = createRequire(import.meta.url)("jiti") as typeof import("jiti");
    // `import ... from "clawmend"` gets the library this run already holds, wherever the config lives.
    const jiti = createJiti(import.meta.url, {
      moduleCache: false,
      interopDefault: true,
      virtualModules: { clawmend: await options.api() },
    });
    return await jiti.import(file, { default: true });
  } catch (error) {
    const { syntaxError } = await import("./syntax.js");
    throw syntaxError(file, bytes.toString("utf8")) ?? ClawmendError.usage(`${file}: cannot load config: ${firstLine(error)}`);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

import type { Config } from "../config/load.js";
import type { CommandIO } from "./io.js";

/**
 * The config of a command: `--config FILE`, else patches.config.* in the current directory,
 * else the built-in default. Loaded when a command runs, not when the CLI starts.
 */
export async function commandConfig(io: CommandIO, file: unknown): Promise<Config> {
  const [{ loadConfig }, { configCacheDir }, { builtinPatches }] = await Promise.all([
    import("../config/load.js"),
    import("../config/cache.js"),
    import("../patches/builtins.js"),
  ]);
  return loadConfig({
    cacheDir: configCacheDir(io.env),
    cwd: io.cwd,
    ...(file ? { file: String(file) } : {}),
    builtins: builtinPatches,
    api: () => import("../index.js"),
  });
}

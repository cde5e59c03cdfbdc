/**
 * Compiles `getifaddrs-eperm.c` into an LD_PRELOAD shared object in the test cache.
 * Under `LD_PRELOAD=<so>`, `getifaddrs()` fails with EPERM and Node's
 * `os.networkInterfaces()` throws `uv_interface_addresses returned Unknown system error 1`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot, withCacheEntry } from "./real-packages.js";
import { runOk } from "./run.js";

/** Path of the C source. */
export const GETIFADDRS_SHIM_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), "getifaddrs-eperm.c");

/**
 * Compile the shim with `gcc -shared -fPIC` (cached by source hash under
 * `<cache>/shims/`); returns the `.so` path. Needs gcc on PATH.
 */
export async function compileGetifaddrsShim(): Promise<string> {
  const src = await fs.readFile(GETIFADDRS_SHIM_SOURCE);
  const hash = createHash("sha256").update(src).digest("hex").slice(0, 12);
  const so = path.join(cacheRoot(), "shims", `getifaddrs-eperm-${hash}.so`);
  return withCacheEntry(
    so,
    async () => existsSync(so),
    async () => {
      await fs.mkdir(path.dirname(so), { recursive: true });
      const tmp = `${so}.tmp-${process.pid}`;
      await runOk("gcc", ["-shared", "-fPIC", "-O2", "-Wall", "-o", tmp, GETIFADDRS_SHIM_SOURCE]);
      await fs.rename(tmp, so);
    },
    () => so,
  );
}

/** Env fragment that activates the shim for a child process. */
export async function getifaddrsEpermEnv(): Promise<{ LD_PRELOAD: string }> {
  return { LD_PRELOAD: await compileGetifaddrsShim() };
}

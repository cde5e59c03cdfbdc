import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { sha256 } from "../core/hash.js";
import { TOOL_VERSION } from "../core/version.js";

/**
 * The settings a data-only config file resolved to (config/data-only.ts), validated by the schema
 * and with its defaults filled in, kept in the user's cache directory against the file's path,
 * its bytes' digest and clawmend's version (which fixes the schema), so that an unchanged config
 * is neither evaluated through jiti (nor the library it imports) nor validated again (nor the
 * schema loaded) on every run. Reading is confined: a cache file is used only when it is a
 * regular file (no link followed) owned by this user and writable by nobody else, and names the
 * same file, digest and version; whoever can write it can as well edit the config itself. Every
 * failure is a miss; writing is best effort (a read-only home changes nothing).
 */
const FORMAT = 2;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

interface Entry {
  format: number;
  tool: string;
  file: string;
  digest: string;
}

function entryPath(dir: string, key: Entry): string {
  return join(dir, `${sha256(JSON.stringify(key)).slice(0, 32)}.json`);
}

/** The value kept for this file and digest, or undefined. */
export function readCachedConfig(dir: string, file: string, digest: string): unknown {
  const key: Entry = { format: FORMAT, tool: TOOL_VERSION, file, digest };
  let fd: number;
  try {
    fd = openSync(entryPath(dir, key), constants.O_RDONLY | NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0 || st.size > 1 << 20) return undefined;
    const stored = JSON.parse(readFileSync(fd, "utf8")) as Entry & { value?: unknown };
    const { value, ...rest } = stored;
    return isDeepStrictEqual(rest, key) ? value : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Keeps `value` (JSON data) for this file and digest; silently does nothing when it cannot. */
export function writeCachedConfig(dir: string, file: string, digest: string, value: unknown): void {
  const key: Entry = { format: FORMAT, tool: TOOL_VERSION, file, digest };
  try {
    const text = JSON.stringify({ ...key, value });
    if (!isDeepStrictEqual((JSON.parse(text) as { value: unknown }).value, value)) return; // not JSON data
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = entryPath(dir, key);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, text, { mode: 0o600, flag: "wx" });
    renameSync(temp, path);
    pruneOldest(dir);
  } catch {
    /* best effort */
  }
}

/** How many entries the cache keeps: a new one (only written on a miss) removes the least recently written beyond it. */
export const CONFIG_CACHE_ENTRIES = 64;
const ENTRY_NAME = /^[0-9a-f]{32}\.json$/;

function pruneOldest(dir: string): void {
  const names = readdirSync(dir).filter((name) => ENTRY_NAME.test(name));
  if (names.length <= CONFIG_CACHE_ENTRIES) return;
  const entries = names.flatMap((name) => {
    const stat = lstatSync(join(dir, name), { throwIfNoEntry: false });
    return stat?.isFile() ? [{ name, written: stat.mtimeMs }] : [];
  });
  entries.sort((a, b) => a.written - b.written || (a.name < b.name ? -1 : 1));
  for (const { name } of entries.slice(0, entries.length - CONFIG_CACHE_ENTRIES)) unlinkSync(join(dir, name));
}

/** `$XDG_CACHE_HOME/clawmend/config`, else `~/.cache/clawmend/config`; null without either. */
export function configCacheDir(env: NodeJS.ProcessEnv): string | null {
  if (env.CLAWMEND_NO_CONFIG_CACHE) return null;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : "");
  return base ? join(base, "clawmend", "config") : null;
}

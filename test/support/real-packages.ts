/**
 * Real published packages for tests: `npm pack` tarballs, extracted packages and
 * pristine *global-style* installs, all cached under `<repo>/.cache/` (git-ignored).
 *
 * Guarantees:
 * - First use downloads; later uses (and later test runs) hit the cache.
 * - Safe under concurrency: concurrent callers in one process share one promise, and
 *   concurrent vitest worker processes serialise on a per-entry lock directory
 *   (`<entry>.lock/`, owner pid inside; a lock whose owner died is broken).
 * - Nothing half-written is ever visible: every entry is built under a temp name in the
 *   same directory and renamed into place; installs also get a completion marker written
 *   last, so a killed install is detected and redone.
 * - Cached entries are PRISTINE and must never be modified: patch a {@link copyTree} copy.
 *
 * Cache root: `$CLAWMEND_TEST_CACHE` if set, else `<repo>/.cache`.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { REPO } from "./paths.js";
import { runOk } from "./run.js";

/** Root of the test cache (created on demand). */
export function cacheRoot(): string {
  return process.env.CLAWMEND_TEST_CACHE ? path.resolve(process.env.CLAWMEND_TEST_CACHE) : path.join(REPO, ".cache");
}

/**
 * npm overrides a full OpenClaw install needs on this registry:
 * libsignal upstream points at a git URL; newer linkedom needs a package the registry lacks.
 */
export const OPENCLAW_OVERRIDES: Readonly<Record<string, string>> = Object.freeze({
  libsignal: "npm:libsignal@6.0.0",
  linkedom: "0.18.12",
});

function npmEnv(nodeDir?: string): NodeJS.ProcessEnv {
  // Keep npm quiet and non-interactive; never let an ambient NODE_OPTIONS leak in.
  const env = { ...process.env };
  if (nodeDir) env.PATH = `${nodeDir}${path.delimiter}${env.PATH ?? ""}`;
  delete env.NODE_OPTIONS;
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  env.npm_config_loglevel = env.npm_config_loglevel ?? "error";
  return env;
}

function tmpSibling(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
}

function safeName(name: string): string {
  return name.replace(/^@/, "").replace(/\//g, "-");
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const inProcess = new Map<string, Promise<unknown>>();

/**
 * Build a cache entry exactly once across concurrent callers and processes.
 *
 * `isDone()` says whether the entry is complete; `build()` makes it (and must leave it
 * complete, atomically). Both run under a lock directory `<key>.lock` next to the entry.
 * A lock whose owner pid is dead, or older than `staleMs`, is broken.
 */
export async function withCacheEntry<T>(
  key: string,
  isDone: () => Promise<boolean>,
  build: () => Promise<void>,
  result: () => T,
  staleMs = 60 * 60_000,
): Promise<T> {
  if (await isDone()) return result();
  const pending = inProcess.get(key);
  if (pending) {
    await pending;
    return result();
  }
  const p = (async () => {
    const lockDir = `${key}.lock`;
    await fs.mkdir(path.dirname(lockDir), { recursive: true });
    for (;;) {
      try {
        await fs.mkdir(lockDir);
        await fs.writeFile(path.join(lockDir, "owner"), `${process.pid}\n`);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const owner = Number.parseInt(await fs.readFile(path.join(lockDir, "owner"), "utf8").catch(() => ""), 10);
        const st = await fs.stat(lockDir).catch(() => undefined);
        const stale =
          (Number.isFinite(owner) && owner !== process.pid && !pidAlive(owner)) ||
          (st !== undefined && Date.now() - st.mtimeMs > staleMs) ||
          // owner file never written by a process killed between mkdir and writeFile
          (!Number.isFinite(owner) && st !== undefined && Date.now() - st.mtimeMs > 30_000);
        if (stale) {
          await fs.rm(lockDir, { recursive: true, force: true });
          continue;
        }
        await new Promise((r) => setTimeout(r, 500));
        if (await isDone()) return;
      }
    }
    try {
      if (!(await isDone())) await build();
    } finally {
      await fs.rm(lockDir, { recursive: true, force: true });
    }
  })();
  inProcess.set(key, p);
  try {
    await p;
  } finally {
    inProcess.delete(key);
  }
  return result();
}

/** The file that says a cached directory is complete (written last, inside the entry). */
export const CACHE_MARKER = ".clawmend-test-complete";

/**
 * A cache directory built once across concurrent callers and processes ({@link withCacheEntry}).
 * `build(tmp)` fills a fresh temporary sibling of `entry` and returns the text of its
 * {@link CACHE_MARKER}; the marker is written into it and the whole directory renamed to
 * `entry`, so whoever sees the marker sees a complete entry and the whole marker. On failure the
 * temporary directory is removed and `entry` does not exist.
 */
export async function cachedDirectory<T>(entry: string, build: (tmp: string) => Promise<string>, result: () => T): Promise<T> {
  const marker = path.join(entry, CACHE_MARKER);
  return withCacheEntry(
    entry,
    async () => existsSync(marker),
    async () => {
      await fs.rm(entry, { recursive: true, force: true });
      const tmp = tmpSibling(entry);
      await fs.mkdir(tmp, { recursive: true });
      try {
        const text = await build(tmp);
        await fs.writeFile(path.join(tmp, CACHE_MARKER), text);
        await fs.rename(tmp, entry);
      } catch (e) {
        await fs.rm(tmp, { recursive: true, force: true });
        throw e;
      }
    },
    result,
  );
}

/** Path a packed tarball is cached at: `<cache>/tarballs/<scope-name>-<version>.tgz`. */
export function tarballPath(name: string, version: string): string {
  return path.join(cacheRoot(), "tarballs", `${safeName(name)}-${version}.tgz`);
}

/**
 * `npm pack NAME@VERSION` into `<cache>/tarballs/` once; returns the `.tgz` path.
 * `version` must be exact (a dist-tag or range is resolved by npm, but the cache key is
 * the literal string, so prefer exact versions).
 */
export async function packTarball(name: string, version: string): Promise<string> {
  const dest = tarballPath(name, version);
  return withCacheEntry(
    dest,
    async () => existsSync(dest),
    async () => {
      const tmp = tmpSibling(dest);
      await fs.mkdir(tmp, { recursive: true });
      try {
        const r = await runOk("npm", ["pack", `${name}@${version}`, "--pack-destination", tmp, "--json"], {
          cwd: tmp,
          env: npmEnv(),
          timeoutMs: 10 * 60_000,
        });
        const files = (await fs.readdir(tmp)).filter((f) => f.endsWith(".tgz"));
        if (files.length !== 1) throw new Error(`npm pack ${name}@${version}: expected one .tgz, got ${files.join(",")}\n${r.stdout}`);
        await fs.rename(path.join(tmp, files[0]!), dest);
      } finally {
        await fs.rm(tmp, { recursive: true, force: true });
      }
    },
    () => dest,
  );
}

/**
 * Extract a package's tarball so that its `package/` directory becomes `destDir`
 * (created; must not exist or be empty). Uses the system `tar`. Not cached: see
 * {@link extractedPackage} for a cached, read-only extraction.
 */
export async function extractPackage(name: string, version: string, destDir: string): Promise<string> {
  const tgz = await packTarball(name, version);
  await fs.mkdir(destDir, { recursive: true });
  // Some tarballs use a top dir other than "package/" (rare, old packages): strip 1 level.
  await runOk("tar", ["-xzf", tgz, "-C", destDir, "--strip-components=1", "--no-same-owner"]);
  return destDir;
}

/**
 * Cached, PRISTINE extraction of a tarball at `<cache>/extracted/<name>-<version>/`.
 * Do not modify it: {@link copyTree} it first.
 */
export async function extractedPackage(name: string, version: string): Promise<string> {
  const dest = path.join(cacheRoot(), "extracted", `${safeName(name)}-${version}`);
  return cachedDirectory(
    dest,
    async (tmp) => {
      await extractPackage(name, version, tmp);
      return "";
    },
    () => dest,
  );
}

/** `npm install` arguments used by {@link globalStyleInstall}. */
export const INSTALL_FLAGS: readonly string[] = Object.freeze([
  "install",
  "--install-strategy=shallow",
  "--ignore-scripts",
  "--no-audit",
  "--no-fund",
  "--no-package-lock",
  "--engine-strict=false",
]);

/** Timing and size of a global-style install, recorded in `<install>/.clawmend-test-complete`. */
export interface InstallInfo {
  spec: string;
  /** Directory that IS the package (its package.json at top, deps nested inside). */
  packageDir: string;
  /** Milliseconds the uncached `npm install` took. */
  installMs: number;
  /** Total bytes under packageDir after install. */
  bytes: number;
  /** Number of files under packageDir. */
  files: number;
  /** npm arguments used (absent in entries made before they were recorded: scripts ran). */
  flags?: string[];
}

function parseSpec(spec: string): { name: string; version: string } {
  const at = spec.lastIndexOf("@");
  if (at <= 0) throw new Error(`globalStyleInstall: expected NAME@VERSION, got ${spec}`);
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

/** Directory of the cached install entry for a spec (`<cache>/installs/<name>-<version>`). */
export function installEntryDir(spec: string): string {
  const { name, version } = parseSpec(spec);
  return path.join(cacheRoot(), "installs", `${safeName(name)}-${version}`);
}

/**
 * A cached, pristine, *global-style* install of `spec` (e.g. `"openclaw@2026.2.26"`):
 * returns a directory that IS the package (package.json at top) with every dependency
 * nested in its own `node_modules`, the layout `npm install -g` produces. Built with
 * `npm install --install-strategy=shallow --ignore-scripts` in a throwaway project carrying
 * {@link OPENCLAW_OVERRIDES}. Scripts are skipped on purpose: the only one that matters
 * offline is `@discordjs/opus` (optional; it cannot download its prebuild here and
 * falls back to a multi-minute node-gyp build for the *host* Node ABI, useless under
 * Node 22/26); sharp, koffi and the clipboard/canvas addons ship prebuilt binaries in
 * packages. `openclaw.mjs --version`, `status` and `agent --local` run fine without them.
 * Peer dependencies (`node-llama-cpp`, `@napi-rs/canvas`, ~850 MB) land NEXT TO the
 * package (as with `npm install -g`), not inside it; copies made with {@link copyTree}
 * don't carry them and the CLI does not need them for the commands above.
 *
 * Layout: `<cache>/installs/<name>-<version>/node_modules/<name>`; the marker
 * `<cache>/installs/<name>-<version>/.clawmend-test-complete` (JSON {@link InstallInfo})
 * is written last. Node resolution from the cached dir can climb into the repo's own
 * node_modules, so RUN and PATCH a {@link copyTree} copy (under the OS temp dir), never
 * the cached one.
 */
export async function globalStyleInstall(spec: string, options: InstallOptions = {}): Promise<string> {
  return (await globalStyleInstallInfo(spec, options)).packageDir;
}

export interface InstallOptions {
  /** A directory put first on npm's PATH (the Node a package's install-time checks see). */
  nodeDir?: string;
}

/** {@link globalStyleInstall} plus the recorded time and size of the uncached install. */
export async function globalStyleInstallInfo(spec: string, options: InstallOptions = {}): Promise<InstallInfo> {
  const { name, version } = parseSpec(spec);
  const entry = installEntryDir(spec);
  const packageDir = path.join(entry, "node_modules", name);
  return cachedDirectory(
    entry,
    async (tmp) => {
      const pkg = {
        name: "clawmend-test-global-style-install",
        private: true,
        dependencies: { [name]: version },
        overrides: name === "openclaw" || name.startsWith("@openclaw/") ? OPENCLAW_OVERRIDES : {},
      };
      await fs.writeFile(path.join(tmp, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
      const started = Date.now();
      await runOk("npm", INSTALL_FLAGS, { cwd: tmp, env: npmEnv(options.nodeDir), timeoutMs: 30 * 60_000 });
      const installMs = Date.now() - started;
      const du = await treeSize(path.join(tmp, "node_modules", name));
      const info: InstallInfo = { spec, packageDir, installMs, bytes: du.bytes, files: du.files, flags: [...INSTALL_FLAGS] };
      return `${JSON.stringify(info, null, 2)}\n`;
    },
    // packageDir recomputed: the cache may have moved since the marker was written.
    () => ({ ...(JSON.parse(readFileSync(path.join(entry, CACHE_MARKER), "utf8")) as InstallInfo), packageDir }),
  );
}

/** Total bytes (apparent size) and file count of a tree, symlinks not followed. */
export async function treeSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (d: string): Promise<void> => {
    const ents = await fs.readdir(d, { withFileTypes: true });
    await Promise.all(
      ents.map(async (e) => {
        const p = path.join(d, e.name);
        if (e.isDirectory()) return walk(p);
        if (e.isFile()) {
          const size = (await fs.lstat(p)).size; // read first: `bytes += await …` loses updates
          files++;
          bytes += size;
        }
      }),
    );
  };
  await walk(dir);
  return { bytes, files };
}

const copies = new Set<string>();

/**
 * Takes the lowest free slot directory `<base>-<n>` (mkdir is the lock; the owner's pid is
 * inside, and a slot whose owner died is taken over).
 */
async function takeSlot(base: string): Promise<string> {
  for (let n = 0; ; n++) {
    const slot = `${base}-${n}`;
    try {
      await fs.mkdir(slot);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(await fs.readFile(path.join(slot, ".owner"), "utf8").catch(() => "0"));
      if (owner === 0 || pidAlive(owner)) continue;
      await fs.rm(slot, { recursive: true, force: true });
      n--;
      continue;
    }
    await fs.writeFile(path.join(slot, ".owner"), String(process.pid));
    return slot;
  }
}

export interface CopyOptions {
  /**
   * `false` for a copy that is only patched, read, rebuilt or asked `openclaw --version` (which
   * loads no plugins): it lands in a slot family of its own, so it does not push a copy OpenClaw
   * starts from to a path its transpile cache has not seen (a cold 2026.2.x start costs about
   * 40 CPU seconds more). Default: OpenClaw starts from it.
   */
  startsOpenclaw?: boolean;
}

/**
 * A fresh private copy of `src` (`cp -a`: modes, symlinks and timestamps kept); returns the
 * copy's path (`<slot>/<basename(src)>`). The copy lives outside the repo, so Node resolution
 * from it cannot leak into the repo's node_modules. Remove it with {@link removeCopy} (or
 * {@link removeAllCopies} in an afterAll).
 *
 * The files under the package's own `node_modules/` are hard links to `src`'s (directories are
 * real): most of a 500 MB install, and copying it is most of a copy's cost on this machine. That
 * is safe because every writer replaces a file instead of writing into it: clawmend writes a
 * temp file and renames it, and so must a test (never `writeFileSync` over a file in a copy's
 * node_modules; `cp` over one needs `--remove-destination`).
 *
 * Copies land at recurring paths: the lowest free slot of `clawmend-copy-<name>-<line>`, one
 * family per package name and release line (`2026.2`, `2026.9`), so that the
 * few copies of a line in use at once keep landing at the same paths. OpenClaw 2026.2.x loads
 * its plugins through jiti, whose transpile cache (`$TMPDIR/jiti`) is keyed by absolute file
 * path and checked against the source bytes: a copy at a path used before starts in seconds
 * instead of a minute of transpiling ~600 files (their dependencies, which releases of a line
 * mostly share, so a path warmed by one is mostly warm for the next).
 * OpenClaw 2026.9.x's Node compile cache is keyed the same way. No cache holds package state: an
 * entry is used only when the source bytes it was made from are the same. Copies OpenClaw is
 * never started from take slots of their own (see {@link CopyOptions}).
 */
export async function copyTree(src: string, options: CopyOptions = {}): Promise<string> {
  const family = `clawmend-copy-${path.basename(src)}-${releaseLine(src)}${options.startsOpenclaw === false ? "-unstarted" : ""}`;
  const slot = await takeSlot(path.join(os.tmpdir(), family));
  const dest = path.join(slot, path.basename(src));
  await copyTreeTo(src, dest);
  copies.add(dest);
  return dest;
}

/** `2026.2` for a package at 2026.2.26 (the first two parts of its version), `unknown` without one. */
function releaseLine(dir: string): string {
  try {
    const version: unknown = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version;
    // Only what a version's first two parts can hold: the line becomes part of a path.
    if (typeof version === "string" && /^\d+\.\d+(\.|$)/.test(version)) return version.split(".").slice(0, 2).join(".");
  } catch {
    // no readable manifest: one family for all of them
  }
  return "unknown";
}

/**
 * Copies `src` to a new directory `dest` the way {@link copyTree} does (node_modules hard-linked:
 * patches replace files by rename, so the cache is never written through a link).
 */
export async function copyTreeTo(src: string, dest: string): Promise<void> {
  await fs.mkdir(dest);
  const entries = (await fs.readdir(src)).filter((name) => name !== "node_modules").map((name) => path.join(src, name));
  if (entries.length > 0) await runOk("cp", ["-a", ...entries, dest], { timeoutMs: 10 * 60_000 });
  if (existsSync(path.join(src, "node_modules")))
    await runOk("cp", ["-al", path.join(src, "node_modules"), dest], { timeoutMs: 10 * 60_000 });
  const stat = await fs.stat(src);
  await fs.chmod(dest, stat.mode & 0o7777);
  await fs.utimes(dest, stat.atime, stat.mtime);
}

/** Delete a copy made by {@link copyTree} (its slot too). */
export async function removeCopy(copy: string): Promise<void> {
  copies.delete(copy);
  const slot = path.dirname(copy);
  if (path.basename(slot).startsWith("clawmend-copy-")) {
    await fs.rm(slot, { recursive: true, force: true });
  } else {
    await fs.rm(copy, { recursive: true, force: true });
  }
}

/** Delete every copy this process made with {@link copyTree}. */
export async function removeAllCopies(): Promise<void> {
  await Promise.all([...copies].map((c) => removeCopy(c)));
}

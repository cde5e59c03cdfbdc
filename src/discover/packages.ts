import { readdirSync, readFileSync, realpathSync, statSync, type Dirent } from "node:fs";
import { join, relative, sep } from "node:path";

/** One installed copy of a target package. */
export interface PackageCopy {
  /** Name from its package.json (a copy installed under an alias keeps its real name here). */
  name: string;
  version: string;
  /** Real absolute directory (symlinks resolved). */
  dir: string;
  /** Directory relative to the root, `.` for the root package, forward slashes. */
  relDir: string;
  /** The package.json `type` field: decides how `.js` files load. */
  type: "module" | "commonjs";
}

interface PackageJson {
  name?: unknown;
  version?: unknown;
  type?: unknown;
}

function readPackageJson(dir: string): PackageJson | null {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
  } catch {
    return null;
  }
}

function toCopy(root: string, dir: string, pkg: PackageJson): PackageCopy | null {
  if (typeof pkg.name !== "string" || typeof pkg.version !== "string") return null;
  const rel = relative(root, dir).split(sep).join("/");
  return {
    name: pkg.name,
    version: pkg.version,
    dir,
    relDir: rel === "" ? "." : rel,
    type: pkg.type === "module" ? "module" : "commonjs",
  };
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Whether `entry` (in a listing) is a directory, following a symlink. No exception on a miss. */
function isDirectoryEntry(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return statSync(join(dir, entry.name), { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function realpath(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/**
 * Finds every copy of the named packages under `root`: the root package itself and each
 * `node_modules/<name>` at any depth (nested, scoped, pnpm's `.pnpm` store, symlinks resolved
 * once). Walks only `node_modules` folders and package folders, the way Node resolution sees
 * them: it never lists the files of a package. Per package folder it costs one `stat` (is there a
 * nested `node_modules`?); only target packages and symlinks are resolved with `realpath`.
 */
export function findPackageCopies(root: string, names: ReadonlySet<string>): PackageCopy[] {
  const realRoot = realpathSync(root);
  const found = new Map<string, PackageCopy>();
  const visitedModules = new Set<string>();

  const rootPkg = readPackageJson(realRoot);
  if (rootPkg && typeof rootPkg.name === "string" && names.has(rootPkg.name)) {
    const copy = toCopy(realRoot, realRoot, rootPkg);
    if (copy) found.set(realRoot, copy);
  }

  const walkNodeModules = (modulesDir: string) => {
    const real = realpath(modulesDir);
    if (real === null || visitedModules.has(real)) return;
    visitedModules.add(real);
    for (const entry of listDir(real)) {
      const name = entry.name;
      if (name.startsWith("@")) {
        if (!isDirectoryEntry(real, entry)) continue;
        const scopeDir = join(real, name);
        for (const scoped of listDir(scopeDir)) {
          if (isDirectoryEntry(scopeDir, scoped)) visitPackage(join(scopeDir, scoped.name), `${name}/${scoped.name}`);
        }
      } else if (name === ".pnpm") {
        const store = join(real, name);
        for (const version of listDir(store)) walkNodeModules(join(store, version.name, "node_modules"));
      } else if (!name.startsWith(".") && isDirectoryEntry(real, entry)) {
        visitPackage(join(real, name), name);
      }
    }
  };

  const visitPackage = (dir: string, installedName: string) => {
    if (names.has(installedName)) {
      const real = realpath(dir);
      if (real !== null && !found.has(real)) {
        const pkg = readPackageJson(real);
        const copy = pkg && toCopy(realRoot, real, pkg);
        if (copy) found.set(real, copy);
      }
    }
    const nested = join(dir, "node_modules");
    if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) walkNodeModules(nested);
  };

  walkNodeModules(join(realRoot, "node_modules"));
  return [...found.values()].sort((a, b) => compareStrings(a.relDir, b.relDir));
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
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

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds every copy of the named packages under `root`: the root package itself and each
 * `node_modules/<name>` at any depth (nested, scoped, pnpm's `.pnpm` store, symlinks resolved
 * once). Walks only `node_modules` folders and package folders, the way Node resolution sees
 * them: it never lists the files of a package.
 */
export function findPackageCopies(root: string, names: ReadonlySet<string>): PackageCopy[] {
  const realRoot = realpathSync(root);
  const found = new Map<string, PackageCopy>();
  const visitedModules = new Set<string>();

  const consider = (dir: string) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return null;
    }
    if (found.has(real)) return null;
    return real;
  };

  const rootPkg = readPackageJson(realRoot);
  if (rootPkg && typeof rootPkg.name === "string" && names.has(rootPkg.name)) {
    const copy = toCopy(realRoot, realRoot, rootPkg);
    if (copy) found.set(realRoot, copy);
  }

  const walkNodeModules = (modulesDir: string) => {
    let real: string;
    try {
      real = realpathSync(modulesDir);
    } catch {
      return;
    }
    if (visitedModules.has(real)) return;
    visitedModules.add(real);
    for (const entry of listDir(real)) {
      if (entry.startsWith("@")) {
        for (const scoped of listDir(join(real, entry))) visitPackage(join(real, entry, scoped), `${entry}/${scoped}`);
      } else if (entry === ".pnpm") {
        for (const store of listDir(join(real, entry))) walkNodeModules(join(real, entry, store, "node_modules"));
      } else if (!entry.startsWith(".")) {
        visitPackage(join(real, entry), entry);
      }
    }
  };

  const visitPackage = (dir: string, installedName: string) => {
    if (!isDirectory(dir)) return;
    if (names.has(installedName)) {
      const real = consider(dir);
      if (real) {
        const pkg = readPackageJson(real);
        const copy = pkg && toCopy(realRoot, real, pkg);
        if (copy) found.set(real, copy);
      }
    }
    walkNodeModules(join(dir, "node_modules"));
  };

  walkNodeModules(join(realRoot, "node_modules"));
  return [...found.values()].sort((a, b) => compareStrings(a.relDir, b.relDir));
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

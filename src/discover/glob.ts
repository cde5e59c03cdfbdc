import { lstatSync, readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";

/**
 * One walk with precompiled matchers, for the glob patterns specs use (`dist/**\/*.{js,mjs,cjs}`,
 * `dist/openai-*-*.js`, literal paths). fast-glob costs ~25–35 ms cold on a 2,400-entry dist,
 * mostly compiling and running micromatch's regular expressions; this costs the walk.
 *
 * Same answers as fast-glob with `dot: true, followSymbolicLinks: false, onlyFiles: false`
 * (test/discover/glob.test.ts holds them side by side), directories left out (the selection
 * takes files and links): `*`, `?` and `**` match names that start with a dot too (Node loads
 * files in dot-directories like any other); `**` is a whole segment; `{a,b}` holds literal
 * alternatives. Any other syntax (classes, extglobs, negation, escapes, empty segments, `.`,
 * `..`) is not compiled: `compileGlobs` returns null and the caller uses fast-glob.
 */

/** One segment of a pattern: a literal name, `**`, or a name pattern. */
type Segment = { kind: "literal"; name: string } | { kind: "globstar" } | { kind: "pattern"; re: RegExp };

export interface CompiledGlobs {
  include: Segment[][];
  ignore: Segment[][];
}

/** A file, link or other non-directory the walk matched: its path relative to the root and its (not followed) type. */
export interface GlobEntry {
  path: string;
  dirent: Pick<Dirent, "isFile" | "isDirectory" | "isSymbolicLink">;
}

/** Directory listings already read, by absolute path: the targets of one package copy share them. */
export type Listings = Map<string, Dirent[]>;

const UNSUPPORTED = /[[\]()!\\]/;

export function compileGlobs(include: readonly string[], ignore: readonly string[]): CompiledGlobs | null {
  const compile = (patterns: readonly string[]): Segment[][] | null => {
    const out: Segment[][] = [];
    for (const pattern of patterns) {
      const expanded = expandBraces(pattern);
      if (!expanded) return null;
      for (const one of expanded) {
        const segments = compilePattern(one);
        if (!segments) return null;
        out.push(segments);
      }
    }
    return out;
  };
  const inc = compile(include);
  const ign = compile(ignore);

  if (!inc || !ign) return null;
  return { include: inc, ignore: ign };
}

/** `a{b,c}d` → `abd`, `acd` (one level of literal alternatives; null for nested or unbalanced braces). */
function expandBraces(pattern: string): string[] | null {
  const open = pattern.indexOf("{");
  if (open === -1) return pattern.includes("}") ? null : [pattern];
  const close = pattern.indexOf("}", open);
  if (close === -1) return null;
  const inner = pattern.slice(open + 1, close);
  if (inner.includes("{") || !inner.includes(",")) return null;
  const rest = expandBraces(pattern.slice(close + 1));
  if (!rest) return null;
  const head = pattern.slice(0, open);
  return inner.split(",").flatMap((alt) => rest.map((tail) => head + alt + tail));
}

function compilePattern(pattern: string): Segment[] | null {
  if (UNSUPPORTED.test(pattern) || pattern.startsWith("/") || pattern.endsWith("/")) return null;
  const segments: Segment[] = [];
  for (const part of pattern.split("/")) {
    if (part === "" || part === "." || part === "..") return null;
    if (part === "**") {
      if (segments.at(-1)?.kind !== "globstar") segments.push({ kind: "globstar" });
    } else if (part.includes("**")) {
      return null;
    } else if (!/[*?]/.test(part)) {
      segments.push({ kind: "literal", name: part });
    } else {
      const body = part
        .replace(/[.+^${}|]/g, "\\$&")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]");
      segments.push({ kind: "pattern", re: new RegExp(`^${body}$`) });
    }
  }
  return segments;
}

function matchSegment(segment: Segment, name: string): boolean {
  return segment.kind === "literal" ? segment.name === name : segment.kind === "pattern" && segment.re.test(name);
}

/** Whether `names` (a whole relative path) matches `pattern`. */
function matches(pattern: readonly Segment[], i: number, names: readonly string[], j: number): boolean {
  for (; i < pattern.length; i += 1, j += 1) {
    const segment = pattern[i]!;
    if (segment.kind === "globstar") {
      for (let k = j; ; k += 1) {
        if (matches(pattern, i + 1, names, k)) return true;
        if (k >= names.length) return false;
      }
    }
    if (j >= names.length || !matchSegment(segment, names[j]!)) return false;
  }
  return j === names.length;
}

/** Whether something under the directory `names` can match `pattern`. */
function reachable(pattern: readonly Segment[], i: number, names: readonly string[], j: number): boolean {
  for (; j < names.length; i += 1, j += 1) {
    const segment = pattern[i];
    if (!segment) return false;
    if (segment.kind === "globstar") {
      if (reachable(pattern, i + 1, names, j)) return true;
      i -= 1; // `**` takes this name and stays
      continue;
    }
    if (!matchSegment(segment, names[j]!)) return false;
  }
  return i < pattern.length;
}

/** Whether every path under the directory `names` is ignored (an ignore pattern `X/**` whose X matches it). */
function prunedByIgnore(ignore: readonly Segment[][], names: readonly string[]): boolean {
  return ignore.some((p) => p.length > 1 && p.at(-1)!.kind === "globstar" && matches(p.slice(0, -1), 0, names, 0));
}

/** Whether `names` is a proper prefix of a pattern's literal start (`dist` of `dist/**\/*.js`). */
function inLiteralStart(pattern: readonly Segment[], names: readonly string[]): boolean {
  if (pattern.length <= names.length) return false;
  return names.every((name, i) => pattern[i]!.kind === "literal" && (pattern[i] as { name: string }).name === name);
}

/**
 * The entries under `root` that match an include pattern and no ignore pattern, links not
 * followed (a link is an entry, never walked into). Directory errors other than a missing
 * directory propagate with their `path`. `null` when a link stands in a pattern's literal start:
 * fast-glob reads through it (and the caller reports it), so that case keeps fast-glob.
 */
export function walkGlobs(root: string, globs: CompiledGlobs, listings: Listings = new Map()): GlobEntry[] | null {
  if (globs.include.every((p) => p.every((segment) => segment.kind === "literal"))) return literalEntries(root, globs);
  const found: GlobEntry[] = [];
  let throughLink = false;
  const visit = (names: string[], rel: string) => {
    let dirents: Dirent[];
    try {
      const dir = rel ? join(root, rel) : root;
      dirents = listings.get(dir) ?? readdirSync(dir, { withFileTypes: true });
      listings.set(dir, dirents);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const prefix = rel ? `${rel}/` : "";
    const include = namesIn(globs.include, names);
    const ignore = namesIn(globs.ignore, names);
    for (const dirent of dirents) {
      const name = dirent.name;
      if (dirent.isDirectory()) {
        const child = names.concat(name);
        if (!prunedByIgnore(globs.ignore, child) && globs.include.some((p) => reachable(p, 0, child, 0))) visit(child, prefix + name);
        continue;
      }
      if (include(name) && !ignore(name)) found.push({ path: prefix + name, dirent });
      if (dirent.isSymbolicLink() && globs.include.some((p) => inLiteralStart(p, names.concat(name)))) throughLink = true;
    }
  };
  visit([], "");
  return throughLink ? null : found;
}

/**
 * Whether a name in the directory `names` matches one of `patterns`, decided once per directory
 * so that each name costs a test of its last segment, not of a whole path. A pattern `X/**`
 * matches every name here when X matches the directory or one of its ancestors, else a name that
 * completes X.
 */
function namesIn(patterns: readonly Segment[][], names: readonly string[]): (name: string) => boolean {
  const last: Segment[] = [];
  for (const pattern of patterns) {
    let tail = pattern.at(-1)!;
    let head = pattern.slice(0, -1);
    if (tail.kind === "globstar") {
      for (let k = 0; k <= names.length; k += 1) if (matches(head, 0, names.slice(0, k), 0)) return () => true;
      if (head.length === 0) continue;
      tail = head.at(-1)!;
      head = head.slice(0, -1);
    }
    if (matches(head, 0, names, 0)) last.push(tail);
  }
  if (last.length === 0) return () => false;
  if (last.length === 1) return (name) => matchSegment(last[0]!, name);
  return (name) => last.some((segment) => matchSegment(segment, name));
}

/** Literal patterns only: one `lstat` each (and of each directory on the way, which must be no link). */
function literalEntries(root: string, globs: CompiledGlobs): GlobEntry[] | null {
  const found: GlobEntry[] = [];
  const checked = new Set<string>();
  for (const pattern of globs.include) {
    const names = pattern.map((segment) => (segment as { name: string }).name);
    const path = names.join("/");
    if (globs.ignore.some((p) => matches(p, 0, names, 0)) || found.some((e) => e.path === path)) continue;
    for (let i = 1; i < names.length; i += 1) {
      const dir = names.slice(0, i).join("/");
      if (checked.has(dir)) continue;
      checked.add(dir);
      if (lstatSync(join(root, dir), { throwIfNoEntry: false })?.isSymbolicLink()) return null;
    }
    const stat = lstatSync(join(root, path), { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) found.push({ path, dirent: stat });
  }
  return found;
}

/**
 * Random and hostile package states, from a fixed seed: manifests of wrong types, huge values,
 * deep nesting and every path trick, links planted in the state directory and among the files.
 * For each, `patch`, `patch --verify` and `revert` end with an exit code of the contract (never an
 * exception or a stack), and the tree outside the package stays byte-identical.
 */
import { cpSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/hash.js";
import { COMMANDS, hostileBase, MANIFEST, PROVIDER, runOn } from "../support/hostile.js";
import { snapshot, tempDir } from "../support/tree.js";

const SEED = 0x19c0ffee;
const CASES = 240;
const EXIT_CODES = [0, 1, 2, 3];

/** mulberry32: a tiny PRNG, the same sequence for the same seed on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

/** Paths a tampered state may name; `out` is the sentinel directory, `base` its parent. */
function hostilePaths(base: string): string[] {
  return [
    "..",
    "../out/victim.txt",
    "../../out/victim.txt",
    "../../../out/victim.txt",
    "../precious.txt",
    "../../precious.txt",
    "dist/../../out/victim.txt",
    "dist/providers/../../../../out/victim.txt",
    join(base, "out/victim.txt"),
    join(base, "precious.txt"),
    "/etc/passwd",
    "dist/\u0000../../out/victim.txt",
    "dist/\n/x.js",
    "dist\\..\\..\\..\\out\\victim.txt",
    "..\\..\\precious.txt",
    "%2e%2e/%2e%2e/%2e%2e/out/victim.txt",
    "%2e%2e%2f%2e%2e%2fout%2fvictim.txt",
    "\uff0e\uff0e/\uff0e\uff0e/out/victim.txt",
    "\u2025/\u2025/out/victim.txt",
    "dist/\u202eegap.js",
    "./dist/x.js",
    "dist//x.js",
    "dist/./x.js",
    "dist/",
    "",
    "x".repeat(5000),
    "file:///etc/passwd",
    "~/x.js",
    "C:\\out\\victim.txt",
    PROVIDER,
    ".clawmend/manifest.json",
    ".clawmend/originals/../../../out/victim.txt",
  ];
}

function randomValue(rng: Rng, paths: readonly string[], depth = 0): unknown {
  const kind = Math.floor(rng() * (depth > 3 ? 6 : 9));
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
      return pick(rng, [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER]);
    case 3:
      return pick(rng, paths);
    case 4:
      return sha256(String(rng()));
    case 5:
      return pick(rng, ["", "x".repeat(100_000), "__proto__", "constructor"]);
    case 6:
      return Array.from({ length: Math.floor(rng() * 4) }, () => randomValue(rng, paths, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(rng() * 4) }, () => [pick(rng, paths), randomValue(rng, paths, depth + 1)]),
      );
  }
}

function deepNesting(rng: Rng): string {
  const depth = 1000 + Math.floor(rng() * 100_000);
  return `{"format":2,"files":${"[".repeat(depth)}${"]".repeat(depth)}}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Writes a file as a hand would, but never through a link a previous step planted. */
function writeSafely(path: string, data: string): void {
  try {
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  } catch {
    // a path the file system refuses (NUL, too long): the manifest still names it
  }
}

function linkSafely(target: string, path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(target, path);
  } catch {
    // the way to it is already a link: the case plants what it can
  }
}

/** Tampers with the patched copy at `pkg` in 1 to 3 random ways. */
function tamper(rng: Rng, pkg: string, base: string, paths: readonly string[]): string[] {
  const done: string[] = [];
  const victim = readFileSync(join(base, "out/victim.txt"));
  const precious = readFileSync(join(base, "precious.txt"));
  const manifestPath = join(pkg, MANIFEST);
  for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
    let manifest: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(manifestPath, "utf8"));
      if (isObject(parsed)) manifest = parsed;
    } catch {
      // not JSON (an earlier step): start over
    }
    const files = isObject(manifest.files) ? manifest.files : {};
    const added = isObject(manifest.added) ? manifest.added : {};
    const path = pick(rng, paths);
    const step = Math.floor(rng() * 8);
    done.push(`${step}:${JSON.stringify(path).slice(0, 60)}`);
    switch (step) {
      case 0: // a files entry whose backup is planted and whose "after" is the victim's
        files[path] = { before: sha256("planted\n"), after: sha256(victim), size: 8, checked: [], sites: {} };
        writeSafely(join(pkg, ".clawmend/originals", path), "planted\n");
        break;
      case 1: // an added entry with the hash of a file outside
        added[path] = { sha256: sha256(pick(rng, [victim, precious])), size: 9, by: "tag-buildparams", importers: [pick(rng, paths)] };
        break;
      case 2: // a field of a random type
        manifest[pick(rng, ["format", "files", "added", "specs", "tool", "package", "config", "digest"])] = randomValue(rng, paths);
        break;
      case 3: // an entry of a random shape
        (rng() < 0.5 ? files : added)[path] = randomValue(rng, paths);
        break;
      case 4: // a manifest that is not a manifest
        writeSafely(manifestPath, pick(rng, [deepNesting(rng), "{", "null", "[]", JSON.stringify(randomValue(rng, paths))]));
        continue;
      case 5: // a link in the state directory
        linkSafely(
          join(base, pick(rng, ["out/dir", "out/victim.txt", "out"])),
          join(
            pkg,
            pick(rng, [".clawmend", ".clawmend/originals", ".clawmend/originals/dist", MANIFEST, `.clawmend/originals/${PROVIDER}`]),
          ),
        );
        continue;
      case 6: // a link among the package's files, or where clawmend writes
        linkSafely(
          join(base, pick(rng, ["out/dir", "out/victim.txt", "out/lookalike/dist", `out/lookalike/${PROVIDER}`])),
          join(
            pkg,
            pick(rng, [PROVIDER, `${PROVIDER}.clawmend-tmp`, "dist/providers", "dist", ".clawmend.lock", `${MANIFEST}.clawmend-tmp`]),
          ),
        );
        continue;
      default: // the file changed, so that revert and patch have work to do
        writeSafely(join(pkg, PROVIDER), `${readFileSync(join(base, "pkg", PROVIDER), "utf8")}// edit ${rng()}\n`);
        continue;
    }
    manifest.files = files;
    manifest.added = added;
    writeSafely(manifestPath, JSON.stringify(manifest));
  }
  return done;
}

describe("fuzz: hostile package states", () => {
  it(`${CASES} cases from seed ${SEED.toString(16)}: contract exit codes, no stack, nothing outside the package changes`, async () => {
    const base = tempDir();
    const { pkg: template } = hostileBase(base);
    expect((await runOn(template, ["patch"])).code).toBe(0);
    const paths = hostilePaths(base);
    const rng = prng(SEED);
    const codes = new Map<number, number>();
    // A finished case leaves `base` in one rename; its files are removed in the background (a
    // recursive removal is slow, I/O-bound work that the next cases need not wait for).
    const finished = tempDir();
    const removals: Array<Promise<void>> = [];
    for (let i = 0; i < CASES; i++) {
      const pkg = join(base, "cases", String(i), "pkg");
      cpSync(template, pkg, { recursive: true, verbatimSymlinks: true });
      const steps = tamper(rng, pkg, base, paths);
      const skip = (rel: string) => rel === `cases/${i}/pkg` || rel.startsWith(`cases/${i}/pkg/`);
      const before = await snapshot(base, { skip });
      for (const command of COMMANDS) {
        const what = `case ${i} [${steps.join(", ")}] ${command.join(" ")}`;
        const result = await runOn(pkg, command);
        expect(EXIT_CODES, `${what}: exit ${result.code}\n${result.stderr}`).toContain(result.code);
        expect(result.stderr, what).not.toMatch(/^\s+at /m);
        codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
      }
      expect(await snapshot(base, { skip }), `case ${i} [${steps.join(", ")}]`).toEqual(before);
      renameSync(join(base, "cases", String(i)), join(finished, String(i)));
      removals.push(rm(join(finished, String(i)), { recursive: true, force: true }));
    }
    await Promise.all(removals);
    // The seed reaches refusals and runs that go through, not only one kind.
    expect(codes.get(3) ?? 0).toBeGreaterThan(CASES / 2);
    expect((codes.get(0) ?? 0) + (codes.get(1) ?? 0)).toBeGreaterThan(CASES / 10);
  }, 600_000);
});

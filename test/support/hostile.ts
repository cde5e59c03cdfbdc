/**
 * Trees for confinement tests: a package copy at `<base>/pkg` (the shape of pi-ai 0.55.1's
 * provider file) beside a sentinel tree at `<base>/out` that clawmend must never read into a
 * backup, write or remove, whatever is planted in the package.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { runCli, type CliResult } from "./cli.js";
import { FIXTURES } from "./paths.js";
import { snapshot, writeTree, type Snapshot } from "./tree.js";

export const TAG_CONFIG = join(FIXTURES, "engine/configs/tag-buildparams.config.ts");
const PI_AI = join(FIXTURES, "engine/openclaw-two-graphs/node_modules/@mariozechner/pi-ai");
export const PROVIDER = "dist/providers/openai-completions.js";
export const MANIFEST = ".clawmend/manifest.json";

/**
 * `<base>/pkg` (a pi-ai copy), `<base>/precious.txt` and `<base>/out`: victim.txt, dir/kept.txt, and
 * lookalike/dist (a provider file with a site, for links that try to pass it off as the package's).
 */
export function hostileBase(base: string): { base: string; pkg: string; out: string } {
  const pkg = join(base, "pkg");
  cpSync(PI_AI, pkg, { recursive: true });
  cpSync(join(PI_AI, "dist"), join(base, "out/lookalike/dist"), { recursive: true });
  writeTree({ "out/victim.txt": "victim: must never change\n", "out/dir/kept.txt": "kept\n", "precious.txt": "precious\n" }, base);
  return { base, pkg, out: join(base, "out") };
}

/** Everything under `base` except the package copy. */
export function outside(base: string): Promise<Snapshot> {
  return snapshot(base, { skip: (rel) => rel === "pkg" || rel.startsWith("pkg/") });
}

export function patchArgs(pkg: string, ...extra: string[]): string[] {
  return ["patch", ...extra, "--root", pkg, "--config", TAG_CONFIG];
}

export const COMMANDS: ReadonlyArray<readonly string[]> = [["patch"], ["patch", "--verify"], ["revert"]];

/** Runs `clawmend <command> --root pkg --config TAG_CONFIG`. */
export function runOn(pkg: string, command: readonly string[]): Promise<CliResult> {
  return runCli([...command, "--root", pkg, "--config", TAG_CONFIG], { cwd: pkg });
}

/** The one line a refusal prints: no stack, nothing else. */
export function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).not.toMatch(/^\s+at /);
}

export function editManifest(pkg: string, edit: (manifest: Record<string, Record<string, unknown>>) => void): void {
  const path = join(pkg, MANIFEST);
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  edit(manifest);
  writeFileSync(path, JSON.stringify(manifest, null, 2));
}

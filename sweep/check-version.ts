/**
 * One version of one package through the sweep: extract its cached tarball, take the
 * independent census of the pristine files, patch the extraction with the built CLI, verify it,
 * `node --check` every changed file, and compare what each patch did with the census, per file.
 * The extraction is deleted afterwards (the tarball stays cached).
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NETWORK_GUARD } from "../src/patches/builtin/network-interfaces-guard/spec.js";
import { packTarball } from "../test/support/real-packages.js";
import { run, runOk } from "../test/support/run.js";
import type { ClawmendCli } from "./clawmend-cli.js";
import { compareSites, type SiteLines } from "./compare.js";
import { censusOf, type PackageCensus } from "./scan/package.js";

/** The guard leaves `dist/worker/**` alone by design (src/patches/builtin/network-interfaces-guard/spec.ts). */
const GUARD_EXCLUDED = /^dist\/worker\//;
const GUARD_ID = "network-interfaces-guard";
const GATE_ID = "vllm-tool-gate";

export interface VersionRow {
  package: string;
  version: string;
  changed: number;
  guard: { patched: number; wrapped: number; independent: number; excludedFiles: number };
  gate: { patched: number; independent: number };
  patchExit: number | null;
  verifyExit: number | null;
  check: { ok: number; total: number };
  disagreements: string[];
  ms: number;
}

interface Report {
  changed?: string[];
  copies: Array<{
    dir: string;
    patches: Array<{ patch: string; status: string; files: Array<{ file: string; sites: Array<{ line: number }> }> }>;
  }>;
}

export interface CheckContext {
  cli: ClawmendCli;
  scratch: string;
  /** The Node that runs `node --check` (the newest the tests use: it knows every syntax a dist ships). */
  checkNode: string;
}

export async function checkVersion(name: string, version: string, ctx: CheckContext): Promise<VersionRow> {
  const started = Date.now();
  const tgz = await packTarball(name, version);
  const work = join(ctx.scratch, `${name.replace(/[@/]/g, "_")}-${version}`);
  const dir = join(work, "patched");
  const pristine = join(work, "pristine");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    await runOk("tar", ["-xzf", tgz, "-C", dir, "--strip-components=1", "--no-same-owner"]);
    // The census reads a hard-linked twin while the CLI patches: clawmend replaces files
    // (temp + rename), never writes into them, so the twin stays pristine.
    await runOk("cp", ["-al", dir, pristine]);
    const patching = ctx.cli.patch(dir, ["--json"]);
    const pkg = JSON.parse(readFileSync(join(pristine, "package.json"), "utf8")) as { type?: string };
    const isOpenclaw = name === "openclaw";
    const census = censusOf(pristine, {
      packageType: pkg.type === "module" ? "module" : "commonjs",
      countGuard: isOpenclaw,
      isExcluded: (file) => isOpenclaw && GUARD_EXCLUDED.test(file),
    });
    const patch = await patching;
    const verify = await ctx.cli.patch(dir, ["--verify"]);
    const disagreements: string[] = [];
    let report: Report | null = null;
    try {
      report = JSON.parse(patch.stdout) as Report;
    } catch {
      disagreements.push(`patch printed no JSON report (exit ${patch.code}): ${patch.stderr.trim().slice(0, 300)}`);
    }
    const guardSites = sitesOf(report, GUARD_ID);
    const gateSites = sitesOf(report, GATE_ID);
    const independentGuard = linesOf(census, (f) => f.guard);
    const independentGate = linesOf(census, (f) => f.builders);
    if (isOpenclaw) disagreements.push(...compareSites("guard", guardSites, independentGuard));
    disagreements.push(...compareSites("gate", gateSites, independentGate));
    for (const { file, error } of census.unparsed) disagreements.push(`${file}: the census cannot parse it (${error})`);
    for (const [file, f] of census.files)
      if (f.reexports > 0) disagreements.push(`${file}: re-exports networkInterfaces ${f.reexports}× (leaves the file unguarded)`);
    const wrapped = countWrapped(dir, guardSites);
    for (const [file, lines] of guardSites)
      if ((wrapped.get(file) ?? 0) !== lines.length)
        disagreements.push(`${file}: report says ${lines.length} guard sites, the bytes carry ${wrapped.get(file) ?? 0} wraps`);
    const changed = report?.changed ?? [];
    const check = await nodeCheckAll(ctx.checkNode, dir, changed);
    disagreements.push(...check.failures);
    return {
      package: name,
      version,
      changed: changed.length,
      guard: {
        patched: total(guardSites),
        wrapped: [...wrapped.values()].reduce((a, b) => a + b, 0),
        independent: total(independentGuard),
        excludedFiles: census.excluded.length,
      },
      gate: { patched: total(gateSites), independent: total(independentGate) },
      patchExit: patch.code,
      verifyExit: verify.code,
      check: { ok: check.ok, total: check.total },
      disagreements,
      ms: Date.now() - started,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function total(sites: SiteLines): number {
  let n = 0;
  for (const lines of sites.values()) n += lines.length;
  return n;
}

/** Per file (relative to the package), the lines of the sites one patch reported. */
function sitesOf(report: Report | null, patchId: string): SiteLines {
  const out: SiteLines = new Map();
  for (const copy of report?.copies ?? []) {
    const prefix = copy.dir === "." ? "" : `${copy.dir}/`;
    for (const p of copy.patches) {
      if (p.patch !== patchId) continue;
      for (const f of p.files)
        if (f.sites.length > 0)
          out.set(
            prefix + f.file,
            f.sites.map((s) => s.line).sort((a, b) => a - b),
          );
    }
  }
  return out;
}

function linesOf(census: PackageCensus, pick: (f: { guard: number[]; builders: number[] }) => number[]): SiteLines {
  const out: SiteLines = new Map();
  for (const [file, f] of census.files) if (pick(f).length > 0) out.set(file, pick(f));
  return out;
}

/** Guard wraps in the patched bytes: calls of the helper, its declaration aside. */
function countWrapped(dir: string, sites: SiteLines): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of sites.keys()) {
    const code = readFileSync(join(dir, file), "utf8");
    const calls = code.split(`${NETWORK_GUARD.name}(`).length - 1;
    const declarations = code.split(`function ${NETWORK_GUARD.name}(`).length - 1;
    out.set(file, calls - declarations);
  }
  return out;
}

async function nodeCheckAll(node: string, dir: string, changed: readonly string[]) {
  const js = changed.filter((f) => /\.(c|m)?js$/.test(f));
  const failures: string[] = [];
  for (const file of js) {
    const r = await run(node, ["--check", join(dir, file)], { cwd: dir, timeoutMs: 120_000 });
    if (r.code !== 0) failures.push(`${file}: node --check fails: ${r.stderr.trim().split("\n").slice(0, 4).join(" ")}`);
  }
  return { ok: js.length - failures.length, total: js.length, failures };
}

#!/usr/bin/env node
// `npm run bench`: clawmend on real OpenClaw trees, side by side with its baselines.
//
//   node bench/run.mjs [--quick] [--runs N] [--heavy-runs N] [--steady-repeat K] [--trees 2026.2.26,2026.9.6]
//                      [--no-heavy] [--no-rebuild] [--no-workers] [--steady-only] [--timeout S] [--json FILE] [--cli DIR]
//
// Every number is the wall time of a whole spawned process (median of N runs, the steady-state
// cases and the floor K times per run; cases interleaved round-robin so that load drifts hit
// every case alike) and its peak RSS
// (`/usr/bin/time -f %M`). Trees come from the test helpers' cache (test/support/openclaw-install.ts,
// loaded through jiti, a runtime dependency already): the global-style npm installs of
// openclaw@2026.2.26 and openclaw@2026.9.6 the end-to-end tests run.
//
// clawmend runs from a private snapshot of the built dist/ (other builds in this checkout
// cannot swap it mid-run). See docs/performance.md for the method and the latest table.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, totalmem, tmpdir, cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at !== -1 && args[at + 1] ? args[at + 1] : fallback;
};
const quick = flag("--quick");
const runs = Number(option("--runs", quick ? "3" : "5"));
const heavyRuns = Number(option("--heavy-runs", "3"));
// Steady-state runs take ~0.1–0.5 s: each run measures them (and the floor) this many times, interleaved.
const steadyRepeat = Number(option("--steady-repeat", quick ? "1" : "3"));
const trees = option("--trees", quick ? "2026.2.26" : "2026.2.26,2026.9.6").split(",");
const noHeavy = flag("--no-heavy");
const jsonOut = option("--json", join(REPO, ".cache", "bench", "last.json"));
const TIMEOUT_MS = Number(option("--timeout", "600")) * 1000;

// ---------------------------------------------------------------------------------------------
// Process measurement

/**
 * Runs one process; resolves to { ms, rssMB, code, stdout, stderr }. The working directory is an
 * empty temp dir: clawmend runs with its built-in patches, as in a project without
 * patches.config.ts (in this repo the config would be loaded through jiti on every run).
 */
function measure(cmd, argv, { cwd = scratch, timeoutMs = TIMEOUT_MS } = {}) {
  return new Promise((resolvePromise) => {
    const timeFile = join(scratch, `time-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const started = process.hrtime.bigint();
    const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, cmd, ...argv], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let rssMB = NaN;
      try {
        const lines = readFileSync(timeFile, "utf8").trim().split("\n");
        rssMB = Number(lines[lines.length - 1]) / 1024;
        rmSync(timeFile, { force: true });
      } catch {
        /* killed before time wrote it */
      }
      resolvePromise({ ms, rssMB, code: timedOut ? "timeout" : code, stdout, stderr });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Machine

const machine = () => ({
  nproc: Number(execFileSync("nproc").toString().trim()),
  cpu: cpus()[0]?.model ?? "?",
  memGB: +(totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  load: loadavg().map((x) => +x.toFixed(2)),
});

// ---------------------------------------------------------------------------------------------
// Setup: snapshot of clawmend, trees

const scratch = mkdtempSync(join(tmpdir(), "clawmend-bench-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

/** A private copy of the built CLI (bin, dist, package.json; node_modules linked). */
function snapshotClawmend() {
  const other = option("--cli", null);
  if (other) {
    // Another build to compare (a directory with bin/clawmend.js and dist/), used in place.
    return join(resolve(other), "bin", "clawmend.js");
  }
  if (!existsSync(join(REPO, "dist", "cli.js"))) throw new Error("dist/ is not built: run `npm run build` (npm run bench does)");
  const dir = join(scratch, "clawmend");
  mkdirSync(dir);
  for (const entry of ["bin", "dist", "package.json"]) cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  return join(dir, "bin", "clawmend.js");
}

async function loadHelpers() {
  const { createJiti } = await import("jiti");
  const jiti = createJiti(import.meta.url);
  return { install: await jiti.import(join(REPO, "test/support/openclaw-install.ts")) };
}

/** The pristine tree of one openclaw version (the tests' cached global-style install), with the Node its installer needs. */
async function treeFor(version, helpers) {
  const runtime = helpers.install.OPENCLAW_RUNTIMES.find((r) => r.version === version);
  if (!runtime)
    throw new Error(`bench: no OpenClaw runtime ${version} (known: ${helpers.install.OPENCLAW_RUNTIMES.map((r) => r.version).join(", ")})`);
  const { install } = await helpers.install.openclawInstall(version, runtime.major);
  return { dir: install, kind: "global-style npm install" };
}

// ---------------------------------------------------------------------------------------------
// Cases

const cli = snapshotClawmend();
const node = process.execPath;

function checkExit(name, r, expected = 0) {
  if (r.code !== expected) {
    throw new Error(`${name} exited ${r.code} (expected ${expected})\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
}

/** The README's config recipe (one import from "clawmend", one setting), in a directory of its own. */
function configDir(name, text) {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "patches.config.ts"), text);
  return dir;
}
const RECIPE_CONFIG = `import { defineConfig } from "clawmend";\n\nexport default defineConfig({ vllm: { endpoints: ["http://127.0.0.1:9000"] } });\n`;
/** The built-ins with the network guard also on dist/worker/** (what round 2 did), for the before/after. */
const WORKERS_CONFIG = `import { defineConfig } from "clawmend";\n\nexport default defineConfig({\n  patches: (builtins) =>\n    builtins.map((p) => (p.id === "network-interfaces-guard" ? { ...p, targets: p.targets.map((t) => ({ ...t, ignore: [] })) } : p)),\n});\n`;

/** `count` tiny packages (a package.json and a 20-line lib/index.js each) under `root`/node_modules. */
function addExtraPackages(root, from, to) {
  const body = Array.from({ length: 20 }, (_, i) => `exports.f${i} = () => ${i};`).join("\n");
  for (let i = from; i < to; i += 1) {
    const dir = join(root, "node_modules", `extra-pkg-${i}`);
    mkdirSync(join(dir, "lib"), { recursive: true });
    writeFileSync(join(dir, "package.json"), `{"name":"extra-pkg-${i}","version":"1.0.0","main":"lib/index.js"}\n`);
    writeFileSync(join(dir, "lib", "index.js"), `${body}\n`);
  }
}

async function benchTree(version, helpers, results) {
  const { dir: pristine, kind } = await treeFor(version, helpers);
  const heavy = version === "2026.9.6";
  const n = runs;
  const base = join(scratch, version);
  mkdirSync(base);
  const rows = new Map();
  const add = (name, r, group) => {
    const row = rows.get(name) ?? { name, group, ms: [], rss: [], codes: [] };
    row.ms.push(r.ms);
    row.rss.push(r.rssMB);
    row.codes.push(r.code);
    rows.set(name, row);
  };
  const needles = await prefilterNeedles();
  const dist = join(pristine, "dist");
  const recipe = configDir(`recipe-${version}`, RECIPE_CONFIG);
  const notes = [];

  // Steady-state cases run on patched copies (one per config); first-patch and rebuild get a fresh tree each run.
  const steady = join(base, "steady", "openclaw");
  const steadyConfig = join(base, "steady-config", "openclaw");
  for (const dir of [steady, steadyConfig]) {
    mkdirSync(dirname(dir));
    execFileSync("cp", ["-a", pristine, dir]);
  }
  execFileSync("sync"); // the copies' dirty pages, flushed (untimed) as before every other timed case
  const first = await measure(node, [cli, "patch", "--root", steady, "--quiet"]);
  checkExit(`${version} first patch`, first);
  checkExit(
    `${version} first patch with the config`,
    await measure(node, [cli, "patch", "--root", steadyConfig, "--quiet"], { cwd: recipe }),
  );
  if (heavy) add("clawmend patch (first, fresh copy)", first, "patch");

  // heal (the unit's ExecCondition=): a no-op in place on the patched copy, a no-op in mirror mode
  // (mirror of the pristine tree), and on 2026.2.26 a changed source, i.e. the mirror rebuilt.
  const mirror = join(base, "mirror", "openclaw");
  mkdirSync(dirname(mirror));
  checkExit(`${version} heal (first)`, await measure(node, [cli, "heal", "--runtime", steady, "--quiet"]));
  checkExit(`${version} heal --mirror (first)`, await measure(node, [cli, "heal", "--runtime", pristine, "--mirror", mirror, "--quiet"]));
  const healRebuild = !heavy && !flag("--steady-only") && !flag("--no-rebuild");
  const sources = [pristine, join(base, "source-b", "openclaw")];
  const changingMirror = join(base, "changing-mirror", "openclaw");
  if (healRebuild) {
    // A second source that differs by one file, so that each alternate heal finds its source changed.
    mkdirSync(dirname(sources[1]));
    execFileSync("cp", ["-a", pristine, sources[1]]);
    writeFileSync(join(sources[1], "README.md"), `${readFileSync(join(sources[1], "README.md"), "utf8")}\n<!-- bench: source b -->\n`);
    mkdirSync(dirname(changingMirror));
    checkExit(
      `${version} heal --mirror (setup)`,
      await measure(node, [cli, "heal", "--runtime", sources[1], "--mirror", changingMirror, "--quiet"]),
    );
  }

  for (let i = 0; i < n; i += 1) {
    process.stderr.write(`bench ${version}: run ${i + 1}/${n}\r`);
    // Copies and deletions of whole trees leave dirty pages behind: flush them (untimed) so the
    // next timed case does not pay for the previous one's writeback.
    execFileSync("sync");
    for (let repeat = 0; repeat < steadyRepeat; repeat += 1) {
      add(
        "floor: node -e 0 + grep -rl networkInterfaces dist",
        await measure("sh", ["-c", `${node} -e 0 && grep -rl networkInterfaces "$0" >/dev/null`, dist]),
        "floor",
      );
      for (const [label, root, cwd] of [
        ["", steady, scratch],
        [", patches.config.ts", steadyConfig, recipe],
      ]) {
        const noop = await measure(node, [cli, "patch", "--root", root, "--quiet"], { cwd });
        checkExit(`${version} no-op patch${label}`, noop);
        add(`clawmend patch (no-op re-run${label})`, noop, "steady");
        const verify = await measure(node, [cli, "patch", "--verify", "--root", root, "--quiet"], { cwd });
        checkExit(`${version} verify${label}`, verify);
        add(`clawmend patch --verify${label}`, verify, "steady");
      }

      const healNoop = await measure(node, [cli, "heal", "--runtime", steady, "--quiet"]);
      checkExit(`${version} heal no-op`, healNoop);
      add("clawmend heal --runtime (no-op, in place)", healNoop, "steady");
      const healMirror = await measure(node, [cli, "heal", "--runtime", pristine, "--mirror", mirror, "--quiet"]);
      checkExit(`${version} heal --mirror no-op`, healMirror);
      add("clawmend heal --runtime --mirror (no-op)", healMirror, "steady");
    }

    if (!flag("--steady-only") && (!heavy || i < heavyRuns - 1)) {
      const fresh = join(base, `fresh-${i}`, "openclaw");
      mkdirSync(dirname(fresh));
      const copy = await measure("cp", ["-a", pristine, fresh]);
      checkExit("cp -a", copy);
      add("cp -a of the tree", copy, "copy");
      execFileSync("sync");
      const patched = await measure(node, [cli, "patch", "--root", fresh, "--quiet"]);
      checkExit(`${version} patch`, patched);
      add("clawmend patch (first, fresh copy)", patched, "patch");
      rmSync(dirname(fresh), { recursive: true, force: true });
      execFileSync("sync");
    }

    if (!heavy && !flag("--no-rebuild") && !flag("--steady-only")) {
      const to = join(base, `rt-${i}`, "openclaw");
      mkdirSync(dirname(to));
      const rebuilt = await measure(node, [cli, "rebuild", "--from", pristine, "--to", to, "--json"]);
      checkExit(`${version} rebuild`, rebuilt);
      add("clawmend rebuild --from --to", rebuilt, "copy");
      const method = JSON.parse(rebuilt.stdout).method;
      if (method && !notes.some((note) => note.startsWith("rebuild copied"))) {
        notes.push(
          `rebuild copied with: ${method === "reflink" ? "copy-on-write clones (FICLONE)" : "plain copies (this filesystem has no copy-on-write clones)"}`,
        );
      }
      rmSync(dirname(to), { recursive: true, force: true });
      execFileSync("sync");
    }

    if (healRebuild) {
      const rebuiltByHeal = await measure(node, [cli, "heal", "--runtime", sources[i % 2], "--mirror", changingMirror, "--json"]);
      checkExit(`${version} heal --mirror after a source change`, rebuiltByHeal);
      const outcome = JSON.parse(rebuiltByHeal.stdout).outcome;
      if (outcome !== "rebuilt") throw new Error(`heal after a source change: outcome ${outcome}, expected rebuilt`);
      add("clawmend heal --mirror, source changed (mirror rebuilt)", rebuiltByHeal, "copy");
      execFileSync("sync");
    }

    if (!noHeavy && (!heavy || i === 0)) {
      add(
        "baseline: prefilter + Babel on the hits",
        await measure(node, ["--max-old-space-size=16384", join(REPO, "bench/parse-baseline.mjs"), "prefilter", dist, needles.join(",")]),
        "baseline",
      );
      add(
        "baseline: naive Babel parse of every file",
        await measure(node, ["--max-old-space-size=16384", join(REPO, "bench/parse-baseline.mjs"), "all", dist]),
        "baseline",
      );
    }
  }

  // 2026.9.6 before the lifecycle round: the network guard also rewrote the worker bundles.
  if (heavy && !flag("--steady-only") && !flag("--no-workers")) {
    const workers = configDir("workers", WORKERS_CONFIG);
    const fresh = join(base, "fresh-workers", "openclaw");
    mkdirSync(dirname(fresh));
    execFileSync("cp", ["-a", pristine, fresh]);
    execFileSync("sync");
    const patched = await measure(node, [cli, "patch", "--root", fresh, "--quiet"], { cwd: workers });
    checkExit(`${version} patch with the worker bundles`, patched);
    add("clawmend patch (first, worker bundles included: round 2's scope)", patched, "patch");
    rmSync(dirname(fresh), { recursive: true, force: true });
  }

  // Cost grows with candidate bytes, not with packages: verify with extra packages next to openclaw.
  if (!flag("--steady-only")) {
    let made = 0;
    for (const count of [1000, 5000]) {
      addExtraPackages(steady, made, count);
      made = count;
      execFileSync("sync");
      for (let i = 0; i < n; i += 1) {
        const r = await measure(node, [cli, "patch", "--verify", "--root", steady, "--quiet"]);
        checkExit(`${version} verify with ${count} extra packages`, r);
        add(`clawmend patch --verify, ${count.toLocaleString("en-US")} extra packages`, r, "steady");
      }
    }
  }
  process.stderr.write("\n");
  rmSync(base, { recursive: true, force: true });
  const stats = await treeStats(dist);
  results.push({ version, kind, dist: stats, runs: n, rows: [...rows.values()].map(summarise), notes });
}

function summarise(row) {
  const ok = row.ms.filter((_, i) => row.codes[i] !== "timeout");
  return {
    name: row.name,
    group: row.group,
    n: row.ms.length,
    medianMs: median(ok.length ? ok : row.ms),
    minMs: Math.min(...row.ms),
    maxMs: Math.max(...row.ms),
    rssMB: median(row.rss.filter((x) => !Number.isNaN(x))),
    timeouts: row.codes.filter((c) => c === "timeout").length,
  };
}

/** Every prefilter string of the built-in patches (what clawmend itself filters on). */
async function prefilterNeedles() {
  const dist = join(dirname(dirname(cli)), "dist");
  const { builtinPatches } = await import(join(dist, "patches", "builtins.js"));
  const { defaultSettings } = await import(join(dist, "config", "settings.js"));
  return [...new Set(builtinPatches(defaultSettings()).flatMap((spec) => spec.transform.prefilter ?? []))];
}

async function treeStats(dist) {
  const out = execFileSync("sh", [
    "-c",
    `find "$0" -type f \\( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' \\) -printf '%s\\n'`,
    dist,
  ]).toString();
  const sizes = out.trim().split("\n").filter(Boolean).map(Number);
  return { files: sizes.length, MB: +(sizes.reduce((a, b) => a + b, 0) / 2 ** 20).toFixed(0) };
}

// ---------------------------------------------------------------------------------------------
// Report

const fmtS = (ms) => (Number.isNaN(ms) ? "-" : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const fmtMB = (mb) => (Number.isNaN(mb) ? "-" : `${mb.toFixed(0)} MB`);

/** Issue 14's goal for a row, and whether this run met it ("" when the row has none). */
function goalOf(result, row, floor, copy) {
  const met = (ok) => (ok ? "met" : "**not met**");
  if (row.group === "steady" && floor && !row.name.includes("extra packages"))
    return `≤ 2× floor: ${met(row.medianMs <= 2 * floor.medianMs)}`;
  if (row.name === "clawmend patch (first, fresh copy)") {
    if (result.version === "2026.9.6" && floor)
      return `≤ 8× floor, ≤ 300 MB: ${met(row.medianMs <= 8 * floor.medianMs && row.rssMB <= 300)}`;
    if (result.version === "2026.2.26") return `≤ 1 s: ${met(row.medianMs <= 1000)}`;
  }
  if ((row.name.startsWith("clawmend rebuild") || row.name.includes("mirror rebuilt")) && copy)
    return `≤ 0.65× cp -a: ${met(row.medianMs <= 0.65 * copy.medianMs)}`;
  return "";
}

function table(result) {
  const floor = result.rows.find((r) => r.group === "floor");
  const copy = result.rows.find((r) => r.name.startsWith("cp -a"));
  const lines = [
    `openclaw ${result.version}: ${result.kind}; dist ${result.dist.files} JS files, ${result.dist.MB} MB; ${result.runs} run(s) each`,
    "",
    "| case | median | min–max | peak RSS | vs floor | vs cp -a | goal |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of result.rows) {
    const vsFloor =
      floor && row !== floor && row.group !== "copy" ? `${(row.medianMs / floor.medianMs).toFixed(1)}×` : row === floor ? "1.0×" : "";
    const vsCopy = copy && row.group === "copy" ? `${(row.medianMs / copy.medianMs).toFixed(2)}×` : "";
    const timeouts = row.timeouts ? ` (${row.timeouts} timed out)` : "";
    lines.push(
      `| ${row.name}${timeouts} (${row.n}) | ${fmtS(row.medianMs)} | ${fmtS(row.minMs)}–${fmtS(row.maxMs)} | ${fmtMB(row.rssMB)} | ${vsFloor} | ${vsCopy} | ${goalOf(result, row, floor, copy)} |`,
    );
  }
  for (const note of result.notes ?? []) lines.push("", note);
  return lines.join("\n");
}

const started = machine();
const helpers = await loadHelpers();
const results = [];
for (const version of trees) await benchTree(version, helpers, results);
const ended = machine();

const m = started;
console.log(
  `machine: ${m.nproc} cores (${m.cpu}), ${m.memGB} GB RAM, Node ${m.node}; load average ${started.load.join(" ")} at start, ${ended.load.join(" ")} at end`,
);
console.log(
  `clawmend ${JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version} at ${execFileSync("git", ["-C", REPO, "rev-parse", "--short", "HEAD"]).toString().trim()}${execFileSync("git", ["-C", REPO, "status", "--porcelain", "--", "src"]).toString().trim() ? " (+ uncommitted src changes)" : ""}`,
);
if (option("--cli", null)) console.log(`clawmend build under test: ${cli}`);
for (const result of results) console.log(`\n${table(result)}`);
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, `${JSON.stringify({ machine: { ...started, loadEnd: ended.load }, results }, null, 2)}\n`);
console.log(`\n(raw numbers: ${jsonOut})`);

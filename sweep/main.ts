/**
 * `npm run sweep`: every published stable version of clawmend's target packages through the
 * built CLI and the independent census (see check-version.ts). A maintainer's tool, not CI.
 *
 *   npm run sweep [-- --package openclaw --versions '>=2026.9.0'] [--out docs/sweep.md] [--resume]
 *
 * Tarballs are cached under `$CLAWMEND_TEST_CACHE/tarballs` (default `.cache/`), shared with the
 * tests. Progress goes to stderr, one line per version; the table to `--out`. `--resume` reuses
 * the rows an earlier sweep of the same build recorded (results.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { nodeBinaryPath } from "../test/support/node-runtime.js";
import { REPO } from "../test/support/paths.js";
import { checkVersion, type VersionRow } from "./check-version.js";
import { snapshotCli } from "./clawmend-cli.js";
import { digestOf, ResultStore } from "./results.js";
import { formatDuration, rowCells, sweepMarkdown, type SweepSummary } from "./table.js";
import { stableVersions, sweepOrder } from "./versions.js";

/** The target packages and the published range the sweep covers. */
const PACKAGES: ReadonlyArray<{ name: string; range: string }> = [
  { name: "openclaw", range: ">=2026.0.0" },
  { name: "@openclaw/ai", range: "*" },
  { name: "@earendil-works/pi-ai", range: "*" },
  { name: "@mariozechner/pi-ai", range: ">=0.40.0" },
];

const { values } = parseArgs({
  options: {
    package: { type: "string", multiple: true },
    versions: { type: "string" },
    out: { type: "string", default: join(REPO, "docs", "sweep.md") },
    resume: { type: "boolean", default: false },
  },
});

const scratch = mkdtempSync(join(tmpdir(), "clawmend-sweep-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

const cli = snapshotCli(scratch);
const store = new ResultStore(digestOf([cli.bundleDir, join(REPO, "sweep")]));
let reused = 0;
const newest = nodeBinaryPath(26);
const checkNode = existsSync(newest) ? newest : process.execPath;
const selected = PACKAGES.filter((p) => !values.package || values.package.includes(p.name));
if (selected.length === 0)
  throw new Error(`--package: none of ${values.package?.join(", ")} is one of ${PACKAGES.map((p) => p.name).join(", ")}`);

const started = Date.now();
const summary: SweepSummary = {
  command: ["npm run sweep", ...argvShown()].join(" "),
  date: new Date().toISOString().slice(0, 10),
  wallMs: 0,
  reused: 0,
  packages: selected.map((p) => ({ name: p.name, range: values.versions ? `${p.range} ${values.versions}` : p.range, rows: [] })),
};
const write = (done: boolean) => {
  summary.wallMs = Date.now() - started;
  summary.reused = reused;
  writeFileSync(resolve(values.out!), sweepMarkdown(summary, done));
};

/** One package in sweep order (versions.ts); the table is rewritten after each version. */
async function sweepPackage(entry: SweepSummary["packages"][number]): Promise<void> {
  const versions = sweepOrder(await stableVersions(entry.name, entry.range));
  process.stderr.write(`${entry.name}: ${versions.length} stable versions in ${entry.range}\n`);
  for (const [i, version] of versions.entries()) {
    const known = values.resume ? store.get(entry.name, version) : undefined;
    const row = known ?? (await checkVersion(entry.name, version, { cli, scratch, checkNode }));
    if (known) reused += 1;
    else store.put(row);
    entry.rows.push(row);
    process.stderr.write(`[${i + 1}/${versions.length}] ${entry.name}@${rowCells(row).join("  ")}\n`);
    for (const d of row.disagreements) process.stderr.write(`    ! ${d}\n`);
    write(false);
  }
}

// Two lanes: openclaw (large tarballs) beside the provider packages (small ones), so one's
// child processes run while the other's census parses.
const lanes = [summary.packages.filter((p) => p.name === "openclaw"), summary.packages.filter((p) => p.name !== "openclaw")];
await Promise.all(
  lanes.map(async (lane) => {
    for (const entry of lane) await sweepPackage(entry);
  }),
);
write(true);
process.stderr.write(`sweep: ${formatDuration(summary.wallMs)}; table written to ${values.out}\n`);

function argvShown(): string[] {
  const extra = process.argv.slice(2);
  return extra.length > 0 ? ["--", ...extra.map((a) => (/[\s<>=*]/.test(a) ? `'${a}'` : a))] : [];
}

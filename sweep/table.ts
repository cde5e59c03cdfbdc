/** The sweep's results as the Markdown that docs/sweep.md holds. */
import semver from "semver";
import type { VersionRow } from "./check-version.js";

const HEADER = [
  "version",
  "files changed",
  "guard sites: patched / census",
  "worker files (left alone)",
  "gate sites: patched / census",
  "patch exit",
  "verify exit",
  "node --check",
  "disagreements",
  "time",
];

export function rowCells(row: VersionRow): string[] {
  const guard = row.package === "openclaw" ? `${row.guard.patched} / ${row.guard.independent}` : "–";
  return [
    row.version,
    String(row.changed),
    guard,
    row.package === "openclaw" ? String(row.guard.excludedFiles) : "–",
    `${row.gate.patched} / ${row.gate.independent}`,
    String(row.patchExit),
    String(row.verifyExit),
    `${row.check.ok}/${row.check.total}`,
    String(row.disagreements.length),
    `${(row.ms / 1000).toFixed(1)} s`,
  ];
}

/** A Markdown table with padded columns (as prettier writes it). */
function markdownTable(rows: string[][]): string {
  const widths = HEADER.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(HEADER), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export interface SweepSummary {
  command: string;
  date: string;
  wallMs: number;
  /** Rows taken from an earlier run of the same build (`--resume`): timed in that run. */
  reused: number;
  packages: Array<{ name: string; range: string; rows: VersionRow[] }>;
}

/** The document; `done: false` marks a sweep still running (or stopped before its end). */
export function sweepMarkdown(s: SweepSummary, done = true): string {
  const rows = s.packages.flatMap((p) => p.rows);
  const disagreeing = rows.filter((r) => r.disagreements.length > 0);
  const failing = rows.filter((r) => r.patchExit !== 0 || r.verifyExit !== 0 || r.check.ok !== r.check.total);
  const parts = [
    "# Sweep: every published stable version",
    "",
    "Written by `npm run sweep` (scripts in `sweep/`; run it before every release, see the README). For each",
    "stable version on the registry it extracts the cached tarball, patches it with the built CLI",
    "(`patch --json`), verifies it (`patch --verify`), runs `node --check` on every changed file, and",
    "compares each patch with a census of its sites that shares none of the patch's code (acorn and a",
    "scope walker of the sweep's own, `sweep/scan/`): for the network guard, the OS-backed",
    "`networkInterfaces` uses in every file Node can load (dot-directories included; `dist/worker/**`",
    "is left alone by design and only listed); for the tool gate, the payload builders. A disagreement",
    "is any file where the lines differ, a file the census cannot parse, a re-export of the guarded",
    "export, a report that does not match the bytes written, or a changed file `node --check` refuses.",
    "",
    `- Command: \`${s.command}\``,
    `- Date: ${s.date}`,
    (done
      ? `- Wall time: ${formatDuration(s.wallMs)} for ${rows.length} versions`
      : `- **Incomplete**: ${rows.length} versions after ${formatDuration(s.wallMs)}; the sweep did not reach the rest`) +
      (s.reused > 0
        ? ` (${s.reused} rows reused from an earlier run of the same build; sum of row times ${formatDuration(rows.reduce((a, r) => a + r.ms, 0))})`
        : ""),
    `- Versions with a disagreement: ${disagreeing.length}; with a non-zero exit or a failed \`node --check\`: ${failing.length}`,
    "",
  ];
  for (const p of s.packages) {
    const rowsOldestFirst = [...p.rows].sort((a, b) => semver.compare(a.version, b.version));
    parts.push(`## ${p.name} (${p.range}: ${p.rows.length} versions)`, "", markdownTable(rowsOldestFirst.map(rowCells)), "");
  }
  if (disagreeing.length > 0) {
    parts.push("## Disagreements", "");
    for (const r of disagreeing) for (const d of r.disagreements) parts.push(`- ${r.package}@${r.version}: ${d}`);
    parts.push("");
  }
  return parts.join("\n");
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

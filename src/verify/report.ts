import type pc from "picocolors";
import type { ExitCode } from "../core/errors.js";
import type { Mode } from "./decide.js";
import type { PatchResult, Status } from "./status.js";

type Colors = ReturnType<typeof pc.createColors>;

export interface CopyReport {
  package: string;
  version: string;
  dir: string;
  /** The manifest digest after this run (null when clawmend keeps nothing there). */
  digest: string | null;
  patches: PatchResult[];
  /** What is wrong with the copy as a whole, one line each. */
  problems: string[];
}

export interface RunReport {
  tool: { name: "clawmend"; version: string };
  mode: Mode;
  root: string;
  config: string | null;
  patches: Array<{ id: string; version: number; required: boolean }>;
  /** Package names looked for. */
  packages: string[];
  copies: CopyReport[];
  summary: Record<Status, number>;
  /** Why the run wrote nothing, when it refused to (or, for --verify, found no package). */
  refused?: string;
  exitCode: ExitCode;
  /** Per changed file; `before` is the text before the run under --dry-run only (else null). */
  changes: Array<{ path: string; before: string | null; after: string }>;
}

const GOOD: ReadonlySet<Status> = new Set(["applied", "already-applied", "not-applicable"]);

function paint(status: Status, colors: Colors): string {
  const text = status.padEnd(16);
  if (status === "applied" || status === "already-applied") return colors.green(text);
  if (status === "not-applicable") return colors.dim(text);
  if (status === "unpatched" || status === "drifted") return colors.yellow(text);
  return colors.red(text);
}

function whereText(result: PatchResult): string {
  const sites = result.files.flatMap((f) => f.sites.map((s) => `${f.file}:${s.line}`));
  if (sites.length === 0) return "";
  const shown = sites.slice(0, 3).join(", ");
  return sites.length > 3 ? `${shown}, … (${sites.length} sites in ${result.files.filter((f) => f.sites.length).length} files)` : shown;
}

/** The human report: a table per package copy, then one summary line. */
export function renderReport(report: RunReport, colors: Colors, options: { quiet: boolean }): string {
  const lines: string[] = [];
  const width = Math.max(0, ...report.patches.map((p) => p.id.length)) + 2;
  for (const copy of report.copies) {
    const rows = copy.patches.filter((r) => !options.quiet || !GOOD.has(r.status));
    if (rows.length === 0 && copy.problems.length === 0) continue;
    lines.push(`${colors.bold(`${copy.package}@${copy.version}`)} ${colors.dim(copy.dir === "." ? "(root)" : copy.dir)}`);
    for (const problem of copy.problems) lines.push(`  ${colors.yellow(problem)}`);
    for (const r of rows) {
      const detail = [whereText(r), r.message ?? ""].filter(Boolean).join(" — ");
      lines.push(`  ${r.patch.padEnd(width)}${paint(r.status, colors)}${detail}`);
      const frame = r.status === "parse-error" ? r.files.find((f) => f.frame)?.frame : undefined;
      if (frame) lines.push(...frame.split("\n").map((line) => colors.dim(`    ${line}`)));
    }
  }
  if (report.copies.length === 0) {
    lines.push(`no target package under ${report.root} (looked for ${report.packages.join(", ") || "nothing: no patch selected"})`);
  }
  const counts = Object.entries(report.summary)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const verdict =
    report.exitCode === 0
      ? colors.green(report.mode === "verify" ? "verified" : report.mode === "dry-run" ? "dry run, nothing written" : "ok")
      : report.exitCode === 1
        ? colors.yellow("not verified")
        : colors.red(report.mode === "verify" ? "cannot verify" : "refused, nothing written");
  lines.push(
    `${verdict}: ${counts || "nothing to do"} · ${report.copies.length} package cop${report.copies.length === 1 ? "y" : "ies"} under ${report.root}`,
  );
  return lines.join("\n");
}

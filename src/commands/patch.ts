import { resolve } from "node:path";
import { ClawmendError } from "../core/errors.js";
import type { RunReport } from "../verify/report.js";
import { commandConfig } from "./config.js";
import { idList, type CommandIO, type CommandRegistrar } from "./io.js";

export interface PatchFlags {
  root?: string;
  config?: string;
  verify?: boolean;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
  only?: string | string[];
  skip?: string | string[];
}

export const registerPatch: CommandRegistrar = (cli, io, done) => {
  cli
    .command("patch", "Apply the patches to every copy of their target packages under --root")
    .option("--root <dir>", "Project or installed package to patch (default: current directory)")
    .option("--config <file>", "Config file (default: patches.config.ts in the current directory, else the built-in patches)")
    .option("--verify", "Write nothing; exit 1 when anything is unpatched or drifted")
    .option("--dry-run", "Write nothing; print the unified diff of what would change")
    .option("--json", "Print one JSON document instead of the table")
    .option("--quiet", "Print only problems and the summary line")
    .option("--only <ids>", "Only these patch ids (comma-separated)")
    .option("--skip <ids>", "Skip these patch ids (comma-separated)")
    .example("clawmend patch --root /usr/lib/node_modules/openclaw")
    .example("clawmend patch --verify --root ~/.openclaw-runtime/openclaw")
    .action((flags: PatchFlags) => done(patchCommand(flags, io)));
};

export async function patchCommand(flags: PatchFlags, io: CommandIO): Promise<number> {
  if (flags.verify && flags.dryRun) throw ClawmendError.usage("--verify and --dry-run cannot be combined");
  const [{ runPatches }, { renderReport }] = await Promise.all([import("../engine/run.js"), import("../verify/report.js")]);
  const config = await commandConfig(io, flags.config);
  const root = resolve(io.cwd, flags.root ?? ".");
  const mode = flags.verify ? "verify" : flags.dryRun ? "dry-run" : "patch";
  const report = await runPatches({
    root,
    config,
    mode,
    only: idList(flags.only),
    skip: idList(flags.skip),
    ...(io.errIsTTY && !flags.json && !flags.quiet
      ? {
          onProgress: (n: number, total: number, copy: string) =>
            io.err(`\r\x1b[2K[${n}/${total}] ${copy}`.slice(0, 200) + (n === total ? "\r\x1b[2K" : "")),
        }
      : {}),
  });
  if (flags.json) {
    io.out(JSON.stringify(toJson(report), null, 2));
  } else {
    if (mode === "dry-run") await printDiff(report, io);
    io.out(renderReport(report, io.colors, { quiet: Boolean(flags.quiet) }));
  }
  if (report.refused && !flags.json) io.err(`clawmend: ${report.refused}`);
  return report.exitCode;
}

function toJson(report: RunReport): Omit<RunReport, "changes"> & { changed: string[] } {
  const { changes, ...rest } = report;
  return { ...rest, changed: changes.map((c) => c.path) };
}

async function printDiff(report: RunReport, io: CommandIO): Promise<void> {
  const { createTwoFilesPatch } = await import("diff");
  for (const change of report.changes) {
    const patch = createTwoFilesPatch(
      change.before === null ? "/dev/null" : `a/${change.path}`,
      `b/${change.path}`,
      change.before ?? "",
      change.after,
      undefined,
      undefined,
      { context: 2 },
    );
    io.out(windowLongLines(patch.split("\n").slice(1)).join("\n"));
  }
}

const LONG_LINE = 400;
const WINDOW = 80;

/**
 * Minified bundles are one long line: a removed/added pair of long lines is shown as the
 * neighbourhood of what changed, not as megabytes of text.
 */
export function windowLongLines(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const next = lines[i + 1];
    if (line.startsWith("-") && next?.startsWith("+") && Math.max(line.length, next.length) > LONG_LINE) {
      const [a, b] = [line.slice(1), next.slice(1)];
      let prefix = 0;
      while (prefix < a.length && a[prefix] === b[prefix]) prefix += 1;
      let suffix = 0;
      while (suffix < a.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix += 1;
      const cut = (text: string) => {
        const from = Math.max(0, prefix - WINDOW);
        const to = Math.min(text.length, text.length - suffix + WINDOW);
        return `${from > 0 ? `…(${from} chars) ` : ""}${text.slice(from, to)}${to < text.length ? ` …(${text.length - to} chars)` : ""}`;
      };
      out.push(`-${cut(a)}`, `+${cut(b)}`);
      i += 1;
    } else {
      out.push(line.length > LONG_LINE ? `${line.slice(0, LONG_LINE)}… (${line.length - LONG_LINE} more characters)` : line);
    }
  }
  return out;
}

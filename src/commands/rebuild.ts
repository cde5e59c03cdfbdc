import { resolve } from "node:path";
import { ClawmendError } from "../core/errors.js";
import type { RebuildPhase, RebuildReport } from "../rebuild/rebuild.js";
import { commandConfig } from "./config.js";
import { idList, type CommandIO, type CommandRegistrar } from "./io.js";

export interface RebuildFlags {
  from?: string;
  to?: string;
  config?: string;
  json?: boolean;
  only?: string | string[];
  skip?: string | string[];
}

export const registerRebuild: CommandRegistrar = (cli, io, done) => {
  cli
    .command("rebuild", "Mirror an installed openclaw into DEST, patch the mirror, and swap it in atomically")
    .option("--from <dir>", "The installed openclaw package to mirror (read only), e.g. /usr/lib/node_modules/openclaw")
    .option("--to <dir>", "The runtime to (re)build: a symlink to a content-addressed sibling DEST.clawmend-<digest>")
    .option("--config <file>", "Config file (default: patches.config.ts in the current directory, else the built-in patches)")
    .option("--json", "Print one JSON document")
    .option("--only <ids>", "Only these patch ids (comma-separated)")
    .option("--skip <ids>", "Skip these patch ids (comma-separated)")
    .example("clawmend rebuild --from /usr/lib/node_modules/openclaw --to ~/.openclaw-runtime/openclaw")
    .action((flags: RebuildFlags) => done(rebuildCommand(flags, io)));
};

export async function rebuildCommand(flags: RebuildFlags, io: CommandIO): Promise<number> {
  if (!flags.from || typeof flags.from !== "string") throw ClawmendError.usage("rebuild needs --from DIR (the installed openclaw package)");
  if (!flags.to || typeof flags.to !== "string") throw ClawmendError.usage("rebuild needs --to DIR (the runtime to build)");
  const src = resolve(io.cwd, flags.from);
  const dest = resolve(io.cwd, flags.to);
  const { checkPaths, rebuild } = await import("../rebuild/rebuild.js");
  checkPaths(src, dest); // refuse before anything else happens
  const config = await commandConfig(io, flags.config);
  const report = await rebuild({
    src,
    dest,
    config,
    only: idList(flags.only),
    skip: idList(flags.skip),
    ...(io.errIsTTY && !flags.json ? { onProgress: progress(io) } : {}),
  });
  if (flags.json) {
    io.out(JSON.stringify(report, null, 2));
    return report.exitCode;
  }
  await printHuman(report, io);
  return report.exitCode;
}

/**
 * One status line on a terminal's stderr, redrawn in place at most ~10 times a second
 * (`io.err` ends every write with a newline, so each redraw first moves up over the last).
 */
function progress(io: CommandIO): (phase: RebuildPhase, done: number, total: number, bytes?: number) => void {
  const UP_CLEAR = "\x1b[1A\x1b[2K";
  let last = 0;
  let drawn = false;
  return (phase, done, total, bytes) => {
    if (phase === "swap") {
      if (drawn) io.err(`${UP_CLEAR}\x1b[1A`);
      drawn = false;
      return;
    }
    const now = Date.now();
    if (done !== total && now - last < 100) return;
    last = now;
    const what = phase === "copy" || phase === "check" ? `files, ${((bytes ?? 0) / 1048576).toFixed(0)} MB` : "package copies";
    io.err(`${drawn ? UP_CLEAR : ""}${phase} ${done}/${total} ${what}`);
    drawn = true;
  };
}

async function printHuman(report: RebuildReport, io: CommandIO): Promise<void> {
  const c = io.colors;
  if (report.exitCode !== 0) {
    const { renderReport } = await import("../verify/report.js");
    io.out(renderReport({ ...report.patch, changes: [] }, c, { quiet: true }));
    io.err(`clawmend: ${report.refused}`);
    return;
  }
  const mb = (report.bytes / 1048576).toFixed(0);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  io.out(
    `${c.green(report.unchanged ? "unchanged" : "rebuilt")} ${report.dest} -> ${report.target}` +
      (report.copied
        ? `\n  from ${report.src}: ${report.files} files, ${mb} MB (${report.method === "reflink" ? "copy-on-write clones" : "copied"}) in ${s(report.ms.total)}` +
          ` (copy ${s(report.ms.copy)}, patch ${s(report.ms.patch)}, verify ${s(report.ms.verify)})`
        : `\n  from ${report.src}: ${report.files} files, ${mb} MB, the same as when it was built: nothing copied (${s(report.ms.total)}:` +
          ` source and build hashed ${s(report.ms.check)}, verify ${s(report.ms.verify)})`),
  );
  const patched = report.patch.copies.filter((copy) => copy.digest);
  for (const copy of patched) {
    const statuses = copy.patches.map((p) => `${p.patch} ${p.status}`).join(", ");
    io.out(`  ${copy.package}@${copy.version} ${copy.dir === "." ? "(root)" : copy.dir}: ${statuses}`);
  }
  if (report.previous && !report.unchanged) io.out(`  previous build kept: ${report.previous}`);
  if (report.replaced)
    io.out(`  the directory that was at ${report.dest} was moved to ${report.replaced} (kept; delete it when no longer needed)`);
  if (report.restored) io.out(`  repaired: ${report.dest} was missing after a killed run; restored from ${report.restored}`);
  for (const removed of report.removed) io.out(`  removed ${removed}`);
  for (const link of report.links.external)
    io.err(`  warning: ${link.path} links outside the source (${link.target}): the runtime depends on it`);
  if (report.skippedSpecial.length) io.err(`  warning: not copied (not regular files): ${report.skippedSpecial.slice(0, 5).join(", ")}`);
  io.out(`digest ${report.digest}`);
}

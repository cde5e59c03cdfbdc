import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ClawmendError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { findConfigFile } from "../config/load.js";
import { commandConfig } from "./config.js";
import type { CommandIO, CommandRegistrar } from "./io.js";

export interface HealFlags {
  runtime?: string;
  mirror?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
}

export const registerHeal: CommandRegistrar = (cli, io, done) => {
  cli
    .command(
      "heal",
      "Make the runtime a gateway unit runs patched and verified before it starts (the drop-in's ExecCondition=): in place, or as a mirror",
    )
    .option("--runtime <dir>", "The installed openclaw package (patched in place, or the mirror's source)")
    .option("--mirror <dir>", "Run a patched mirror of --runtime at DIR instead (for a runtime this user cannot write)")
    .option("--config <file>", "Config file (default: patches.config.ts in the current directory, else the built-in patches)")
    .option("--json", "Print one JSON document")
    .option("--quiet", "Print nothing when nothing changed")
    .example("clawmend heal --runtime /usr/lib/node_modules/openclaw --mirror ~/.local/state/clawmend/openclaw")
    .action((flags: HealFlags) => done(healCommand(flags, io)));
};

/** The config's identity for the stamp: its path and the digest of its bytes, without loading it. */
function configKey(io: CommandIO, flag: string | undefined): string {
  const file = flag ? resolve(io.cwd, flag) : findConfigFile(io.cwd);
  if (!file) return "builtin";
  try {
    return `${file}#${sha256(readFileSync(file))}`;
  } catch {
    return `${file}#unreadable`; // loading it reports why
  }
}

export async function healCommand(flags: HealFlags, io: CommandIO): Promise<number> {
  if (!flags.runtime || typeof flags.runtime !== "string")
    throw ClawmendError.usage("heal needs --runtime DIR (the installed openclaw package)");
  if (flags.mirror !== undefined && typeof flags.mirror !== "string") throw ClawmendError.usage("--mirror needs a directory");
  const runtime = resolve(io.cwd, flags.runtime);
  const { heal } = await import("../heal/heal.js");
  const report = await heal({
    runtime,
    ...(flags.mirror ? { mirror: resolve(io.cwd, flags.mirror) } : {}),
    configKey: configKey(io, flags.config),
    loadConfig: () => commandConfig(io, flags.config),
  });
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else if (!(flags.quiet && report.outcome === "unchanged")) io.err(`clawmend: ${report.message}`);
  return report.exitCode;
}

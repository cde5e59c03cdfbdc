import { cac, type CAC } from "cac";
import { ClawmendError, EXIT } from "../core/errors.js";
import { TOOL_VERSION } from "../core/version.js";
import { registerDoctor } from "./doctor.js";
import { registerHeal } from "./heal.js";
import { processIO, type CommandIO, type CommandRegistrar } from "./io.js";
import { registerLauncher } from "./launcher.js";
import { registerPatch } from "./patch.js";
import { registerRebuild } from "./rebuild.js";
import { registerRevert } from "./revert.js";

const registrars: CommandRegistrar[] = [registerPatch, registerRevert, registerHeal, registerLauncher, registerRebuild, registerDoctor];

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const cli = cac("clawmend");
  let pending: number | Promise<number> | undefined;
  const done = (code: number | Promise<number>) => {
    pending = code;
  };
  for (const register of registrars) register(cli, io, done);
  cli.help((sections) => [{ body: `clawmend ${TOOL_VERSION}` }, ...sections.slice(1)]);
  // The bare version (cac's own prints `clawmend/x.y.z linux-x64 node-v20…`): scripts compare it.
  cli.option("-v, --version", "Display version number");
  try {
    withHelpTo(io.out, () => cli.parse(["node", "clawmend", ...argv], { run: false }));
    if (cli.options.help) return EXIT.ok;
    if (cli.options.version) {
      io.out(TOOL_VERSION);
      return EXIT.ok;
    }
    if (!cli.matchedCommand) {
      if (cli.args.length > 0) throw ClawmendError.usage(`unknown command: ${cli.args[0]} (see clawmend --help)`);
      withHelpTo(io.err, () => cli.outputHelp());
      return EXIT.usage;
    }
    rejectUnknownOptions(cli);
    rejectPositionals(cli);
    await cli.runMatchedCommand();
    return await (pending ?? EXIT.ok);
  } catch (error) {
    if (error instanceof ClawmendError) {
      io.err(`clawmend: ${error.message}`);
      if (error.frame) io.err(error.frame);
      return error.exitCode;
    }
    if (error instanceof Error && error.name === "CACError") {
      io.err(`clawmend: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** cac prints help with `console.log`: route it to the command's own output while it does. */
function withHelpTo(write: (text: string) => void, work: () => void): void {
  const log = console.log;
  console.log = (...parts: unknown[]) => write(parts.map(String).join(" "));
  try {
    work();
  } finally {
    console.log = log;
  }
}

/** No command takes a positional argument: `clawmend patch DIR` means `--root DIR`, and is refused rather than guessed. */
function rejectPositionals(cli: CAC): void {
  const extra = cli.args[0];
  if (extra === undefined) return;
  const command = cli.matchedCommand!.name;
  const hint =
    command === "patch" || command === "revert" || command === "doctor"
      ? ` (a directory goes in --root: clawmend ${command} --root ${extra})`
      : "";
  throw ClawmendError.usage(`unexpected argument "${extra}" for "${command}"${hint}`);
}

/** cac accepts any option by default; a typo must be an error, not a silent default. */
function rejectUnknownOptions(cli: CAC): void {
  const command = cli.matchedCommand!;
  const known = new Set<string>(["--", "help", "h", "version", "v"]);
  for (const option of [...cli.globalCommand.options, ...command.options]) {
    for (const name of option.names) known.add(name);
  }
  for (const key of Object.keys(cli.options)) {
    if (!known.has(key)) {
      const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw ClawmendError.usage(`unknown option --${flag} for "${command.name}" (see clawmend ${command.name} --help)`);
    }
  }
}

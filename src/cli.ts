import { cac, type CAC } from "cac";
import { ConfigError, EXIT, UsageError } from "./errors.js";
import { processIO, type CommandIO } from "./commands/io.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerLauncher } from "./commands/launcher.js";
import { registerPatch } from "./commands/patch.js";
import { registerRebuild } from "./commands/rebuild.js";
import { registerRevert } from "./commands/revert.js";
import { TOOL_VERSION } from "./version.js";

export type CommandRegistrar = (cli: CAC, io: CommandIO, done: (code: number | Promise<number>) => void) => void;

const registrars: CommandRegistrar[] = [registerPatch, registerRevert, registerLauncher, registerRebuild, registerDoctor];

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const cli = cac("clawpatch");
  let pending: number | Promise<number> | undefined;
  const done = (code: number | Promise<number>) => {
    pending = code;
  };
  for (const register of registrars) register(cli, io, done);
  cli.help((sections) => [{ body: `clawpatch ${TOOL_VERSION}` }, ...sections.slice(1)]);
  // The bare version (cac's own prints `clawpatch/x.y.z linux-x64 node-v20…`): scripts compare it.
  cli.option("-v, --version", "Display version number");
  try {
    cli.parse(["node", "clawpatch", ...argv], { run: false });
    if (cli.options.help) return EXIT.ok;
    if (cli.options.version) {
      io.out(TOOL_VERSION);
      return EXIT.ok;
    }
    if (!cli.matchedCommand) {
      if (cli.args.length > 0) throw new UsageError(`unknown command: ${cli.args[0]} (see clawpatch --help)`);
      cli.outputHelp();
      return EXIT.usage;
    }
    rejectUnknownOptions(cli);
    await cli.runMatchedCommand();
    return await (pending ?? EXIT.ok);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || (error instanceof Error && error.name === "CACError")) {
      io.err(`clawpatch: ${(error as Error).message}`);
      return EXIT.usage;
    }
    throw error;
  }
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
      throw new UsageError(`unknown option --${flag} for "${command.name}" (see clawpatch ${command.name} --help)`);
    }
  }
}

import { cac, type CAC } from "cac";
import { readFileSync } from "node:fs";
import { ConfigError, EXIT, UsageError } from "./errors.js";
import { processIO, type CommandIO } from "./commands/io.js";
import { registerLauncher } from "./commands/launcher.js";

export const VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;

export type CommandRegistrar = (cli: CAC, io: CommandIO, done: (code: number | Promise<number>) => void) => void;

const registrars: CommandRegistrar[] = [registerLauncher];

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const cli = cac("clawpatch");
  let pending: number | Promise<number> | undefined;
  const done = (code: number | Promise<number>) => {
    pending = code;
  };
  for (const register of registrars) register(cli, io, done);
  cli.help();
  cli.version(VERSION);
  try {
    cli.parse(["node", "clawpatch", ...argv], { run: false });
    if (cli.options.help || cli.options.version) return EXIT.ok;
    if (!cli.matchedCommand) {
      if (cli.args.length > 0) throw new UsageError(`unknown command: ${cli.args[0]} (see clawpatch --help)`);
      cli.outputHelp();
      return EXIT.usage;
    }
    await cli.runMatchedCommand();
    return await (pending ?? EXIT.ok);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && error.name === "CACError")) {
      io.err(`clawpatch: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`clawpatch: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
}

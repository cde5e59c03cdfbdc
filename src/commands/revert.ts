import { resolve } from "node:path";
import { commandConfig } from "./config.js";
import type { CommandRegistrar } from "./io.js";

export const registerRevert: CommandRegistrar = (cli, io, done) => {
  cli
    .command("revert", "Restore every file clawmend patched and remove what it added")
    .option("--root <dir>", "Tree to revert (default: current directory)")
    .option("--config <file>", "Config file naming the patches' packages (default: as for patch)")
    .option("--json", "Print one JSON document")
    .action((flags: { root?: string; config?: string; json?: boolean }) =>
      done(
        (async () => {
          const { revertTree } = await import("../engine/revert.js");
          const config = await commandConfig(io, flags.config);
          const report = await revertTree(resolve(io.cwd, flags.root ?? "."), config.patches);
          if (flags.json) {
            io.out(JSON.stringify(report, null, 2));
            return report.exitCode;
          }
          for (const copy of report.copies) {
            io.out(`${copy.package}@${copy.version} ${copy.dir}: ${copy.restored.length} restored, ${copy.removed.length} removed`);
            for (const kept of copy.kept) io.err(`  kept ${kept.file}: ${kept.reason}`);
          }
          if (report.copies.length === 0) io.out(`nothing to revert under ${report.root}`);
          return report.exitCode;
        })(),
      ),
    );
};

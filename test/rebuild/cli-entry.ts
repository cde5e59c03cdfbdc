// Runs the CLI from source (under jiti) for tests that need a real child process to kill.
import { main } from "../../src/cli.js";

process.exitCode = await main(process.argv.slice(2));

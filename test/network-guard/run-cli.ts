// Runs the clawpatch CLI from src/ in its own process (no dependence on a concurrent build
// of dist/; lets a test give the process a bigger heap for multi-MB worker bundles).
import { main } from "../../src/cli.js";

process.exitCode = await main(process.argv.slice(2));

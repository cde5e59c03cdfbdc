import { runOkSync } from "./run.js";
import { join } from "node:path";
import { REPO } from "./paths.js";

/**
 * The generated modules (runtime bundles, launcher templates) that src/ imports, and dist/ for
 * the tests that run the bin: the build skips itself when dist/ was built from the inputs there are.
 */
export default function setup(): void {
  runOkSync(process.execPath, [join(REPO, "scripts", "build.mjs")]);
}

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO = fileURLToPath(new URL("../..", import.meta.url));
/** Hand-written mini dists and cases (never code copied from a published package). */
export const FIXTURES = join(REPO, "fixtures");
/** clawmend's bin (runs the built dist/, which the global setup builds). */
export const BIN = join(REPO, "bin", "clawmend.js");

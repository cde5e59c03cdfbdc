import { defineConfig } from "vitest/config";
import FixturesFirst from "./test/support/sequencer.js";

/**
 * Two projects: `unit` (fixtures, tables, sandboxes: no network, no published package) and
 * `real` (test/real/: the published packages fetched at test time, OpenClaw run for real).
 * `npm run test:unit` and `npm run test:real` run one each; `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: "forks",
    // Two cores: the real-package files wait on child processes and I/O much of the time.
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
    // CLAWMEND_TEST_COST=FILE: each test's CPU and wall time to FILE (test/support/cost.ts).
    setupFiles: process.env.CLAWMEND_TEST_COST ? ["test/support/cost.ts"] : [],
    sequence: { sequencer: FixturesFirst },
    projects: [
      // The unit files share their worker processes (no fresh process per file): a third of the
      // project's CPU time was starting processes and loading modules again.
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/real/**"], isolate: false } },
      { extends: true, test: { name: "real", include: ["test/real/**/*.test.ts"] } },
    ],
  },
});

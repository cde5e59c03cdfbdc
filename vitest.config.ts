import { defineConfig } from "vitest/config";
import FixturesFirst from "./test/support/sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: "forks",
    // Two cores: the real-package files wait on child processes and I/O much of the time.
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
    sequence: { sequencer: FixturesFirst },
  },
});

/**
 * Orders the run for a fresh machine. Test files that need no download run first, and when the
 * run includes files that do (the `real` project, test/real/), the downloads they wait for start
 * now, in the background (`prefetch.ts`): the fixture tests keep both workers busy meanwhile.
 *
 * The fixture files keep vitest's own order (slowest first from the last run, else largest
 * first). The real files run longest first, so that the two workers finish together: by the
 * duration vitest recorded in an earlier run on this machine, else by {@link EXPECTED_SECONDS}
 * (a fresh clone has no record, and vitest's fallback, the largest file first, would run the
 * heal tests, six-line files and the longest of all, last).
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { prefetch } from "./prefetch.js";

/**
 * Seconds each real file took in a fresh-clone run of `.ci/run` on a 2-core machine (both
 * workers busy); the files merged since (openclaw-2026.2.26, agent/openclaw-2026.9.6) count as
 * their parts did. Only the order matters, and this one is the order the CI runs were measured
 * with; a file not listed counts as {@link UNLISTED_SECONDS}.
 */
export const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  "test/real/service/heal-2026.9.test.ts": 348,
  "test/real/openclaw-2026.2.26.test.ts": 330,
  "test/real/rebuild/rebuild.test.ts": 208,
  "test/real/agent/openclaw-2026.9.6.test.ts": 250,
  "test/real/network-guard/real-matrix.test.ts": 115,
  "test/real/infra.test.ts": 93,
  "test/real/lifecycle/openclaw-2026.9.6.test.ts": 85,
  "test/real/tool-gate/real-matrix.test.ts": 64,
  "test/real/engine/openclaw.test.ts": 59,
  "test/real/doctor/self-test.test.ts": 43,
  "test/real/install.test.ts": 19,
  "test/real/transforms/partial-parse.test.ts": 6,
  "test/real/engine/confine.test.ts": 1,
};
const UNLISTED_SECONDS = 30;

function needsDownloads(spec: TestSpecification): boolean {
  return spec.project.name === "real";
}

export default class FixturesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const fetching = sorted.filter(needsDownloads);
    // Not awaited. A failure is not the run's verdict: the tests that need the package retry and report it.
    if (fetching.length > 0) {
      prefetch().catch((error: unknown) =>
        console.error(`prefetch: ${error instanceof Error ? error.message.split("\n")[0] : String(error)} (the tests that need it retry)`),
      );
    }
    const seconds = (spec: TestSpecification): number => {
      const file = relative(this.ctx.config.root, spec.moduleId).split("\\").join("/");
      const recorded = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`)?.duration;
      return recorded !== undefined ? recorded / 1000 : (EXPECTED_SECONDS[file] ?? UNLISTED_SECONDS);
    };
    const longestFirst = [...fetching].sort((a, b) => seconds(b) - seconds(a));
    return [...sorted.filter((f) => !needsDownloads(f)), ...longestFirst];
  }
}

/**
 * Orders the run for a fresh machine. Test files that need no download run first, and when the
 * run includes files that do (the `real` project, test/real/), the downloads they wait for start
 * now, in the background (`prefetch.ts`): the fixture tests keep both workers busy meanwhile.
 * Within each group vitest's own order holds (slowest first from the last run, else largest first).
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { prefetch } from "./prefetch.js";

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
    return [...sorted.filter((f) => !needsDownloads(f)), ...fetching];
  }
}

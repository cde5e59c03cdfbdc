/**
 * Orders the run for a fresh machine. Test files that need no download run first, and when the
 * run includes files that do, the downloads they wait for start now, in the background
 * (`prefetch.ts`): the fixture tests keep both workers busy meanwhile. A file needs downloads
 * when it imports one of the helpers that fetch them. Within each group vitest's own order holds
 * (slowest first from the last run, else largest first).
 */
import { readFileSync } from "node:fs";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { prefetch } from "./prefetch.js";

const FETCHING_HELPERS =
  /support\/(real-packages|provider-packages|openclaw-agent|openclaw-install|node-runtime|gateway)\.js"|\.\/gateway-suite\.js"/;

function needsDownloads(spec: TestSpecification): boolean {
  return FETCHING_HELPERS.test(readFileSync(spec.moduleId, "utf8"));
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

/**
 * An example of a built-in patch with code that runs inside OpenClaw, in one folder: this spec
 * and `helper/timeout-floor.ts`, laid out as a folder of src/patches/builtin/ (moved there, and
 * without `example: true`, it would be a built-in). The build embeds the helper
 * (`embedded.generated.ts`) and the fixture harness holds the spec to
 * `fixtures/patches/example-timeout-floor/` (whose `spec.ts` re-exports it). Examples live in
 * src/patches/examples/, which tsconfig.json leaves out of dist/ and nothing shipped imports:
 * clawmend never ships or applies it.
 */
import { definePatch } from "../../../core/spec.js";
import { wrapReturnValues } from "../../../transforms/wrap-returns.js";
import { defineBuiltin, embeddedHelper } from "../../builtin-patch.js";
import { helper } from "./embedded.generated.js";

export interface TimeoutFloor {
  floorMs: number;
}

/** `function __clawmend_timeoutFloor(ms, config)`: the helper with the spec's options as one literal. */
export const TIMEOUT_FLOOR = embeddedHelper<TimeoutFloor>("__clawmend_timeoutFloor", helper, "last-parameter");

export const exampleTimeoutFloor = definePatch({
  id: "example-timeout-floor",
  version: 1,
  description: "example: never let resolveAgentTimeoutMs(config) return less than a floor (one line on stderr when it raises one)",
  targets: [{ package: "openclaw", files: ["dist/**/*.js"], expect: "any", whenAbsent: "no resolveAgentTimeoutMs here" }],
  options: { floorMs: 60_000 },
  transform: wrapReturnValues({
    functionNames: ["resolveAgentTimeoutMs"],
    helperName: TIMEOUT_FLOOR.name,
    helperSource: TIMEOUT_FLOOR.source,
  }),
});

export default defineBuiltin({
  order: 1000,
  example: true,
  specs: () => [exampleTimeoutFloor],
});

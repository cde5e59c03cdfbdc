import { definePatch, type PatchSpec } from "../../../core/spec.js";
import { wrapReturnValues } from "../../../transforms/wrap-returns.js";
import { defineBuiltin, embeddedHelper } from "../../builtin-patch.js";
import { gateConfigOf, type GateConfig } from "../../gate-config.js";
import { helper } from "./embedded.generated.js";

/**
 * `function __clawmend_vllmToolGate(params, model)`: the payload gate (helper/tool-gate.ts) with
 * its settings as one literal.
 */
export const TOOL_GATE = embeddedHelper<GateConfig>("__clawmend_vllmToolGate", helper, "last-parameter");

/**
 * Where each published version builds the chat-completions payload (measured on the registry's
 * tarballs; the versions sampled are listed in docs/real-shapes.md):
 *
 * - pi-ai, every version (`@mariozechner/pi-ai` 0.5.x–0.73.x, `@earendil-works/pi-ai` 0.74+):
 *   `buildParams(model, context, options[, compat = getCompat(model), cacheRetention])` in
 *   `dist/providers/openai-completions.js`, moved to `dist/api/openai-completions.js` in the
 *   0.80 line. `convertMessages` in the same file also ends with `return params;` (decoy).
 * - openclaw up to 2026.4.1 (sampled 2026.1.29, 2.26, 3.13, 3.22, 4.1): nothing of its own; it
 *   calls pi-ai (a dependency, patched there). 2026.4.2–4.14 were not sampled: same files, `any`.
 * - openclaw 2026.4.15–2026.5.26: its own transport `buildOpenAICompletionsParams(model, context,
 *   options)`, in a chunk whose base name moved: `anthropic-vertex-stream-*.js` (4.15, 4.20),
 *   `provider-stream-*.js` (4.22–4.26), `openai-transport-stream-*.js` (4.27+); pi-ai is still a
 *   dependency (patched there).
 * - openclaw 2026.5.28–2026.6.x: additionally a vendored pi-ai `buildParams` in
 *   `dist/openai-completions-*.js` (pi-ai is no longer a dependency): two sites, both live.
 * - openclaw 2026.7.x: only `buildOpenAICompletionsParams` in `dist/openai-transport-stream-*.js`.
 * - openclaw 2026.8+: the builder lives in `@openclaw/ai`; openclaw keeps a thin wrapper that
 *   returns the imported builder's result (a pass-through, never wrapped again).
 * - `@openclaw/ai` 2026.7.1–2026.9.2: a vendored pi-ai `buildParams(model, context, options,
 *   compat, cacheRetention)` in `dist/openai-completions-*.mjs`, reachable through the package's
 *   `./providers` export (`streamOpenAICompletions`); found by `npm run sweep` (docs/sweep.md),
 *   missed by the samples this list started from. 2026.8.x–2026.9.5 also:
 *   `buildOpenAICompletionsParams` in `dist/transports.mjs`; 2026.9.3+: `dist/openai-completions-*.mjs`
 *   holds no builder of its own; 2026.9.6: `buildOpenAICompletionsParams` →
 *   `buildOpenAICompletionsRequest(model, …, policy)` in `dist/openai-completions-stream-*.mjs`.
 *   The request builder is wrapped (the pass-through `…Params` is not), so the direct path that
 *   calls `buildOpenAICompletionsRequest` from `openai-completions-*.mjs` is gated too.
 *
 * The targets of one package are tried in order; the first whose range holds the version
 * applies. A version family that must hold a builder says `expect: "one"` (or `at-least-one`),
 * so a future release that moves it reports `missing-target` instead of passing silently.
 */
const PI_AI_WHEN_ABSENT = "this version builds chat requests in pi-ai (patched there)";
/** Chunks that hold openclaw's own builder in 2026.4.15–2026.7.x (hashed names, base name varies). */
const OPENCLAW_BUILDER_FILES = [
  "dist/openai-completions-*.js",
  "dist/openai-transport-stream-*.js",
  "dist/provider-stream-*.js",
  "dist/anthropic-vertex-stream-*.js",
];
const OPENCLAW_AI_WHEN_ABSENT = "this version builds chat requests in @openclaw/ai (patched there)";

/** The vLLM tool gate with the settings it bakes in. */
export const vllmToolGate = (gate: GateConfig): PatchSpec<GateConfig> =>
  definePatch({
    id: "vllm-tool-gate",
    version: 2,
    description:
      "Gate the chat-completions payload builder: a request to a local vLLM without tool calling loses tools/tool_choice; tool_choice without tools is always removed",
    required: true,
    targets: [
      {
        package: "@earendil-works/pi-ai",
        aliases: ["@mariozechner/pi-ai"],
        files: ["dist/providers/openai-completions.js", "dist/api/openai-completions.js"],
        expect: "one",
      },
      {
        package: "openclaw",
        range: ">=2026.4.15-0 <2026.7.0-0",
        files: OPENCLAW_BUILDER_FILES,
        expect: "at-least-one",
      },
      {
        package: "openclaw",
        range: ">=2026.7.0-0 <2026.8.0-0",
        files: ["dist/openai-transport-stream-*.js", "dist/openai-transport-stream-*.mjs"],
        expect: "one",
      },
      {
        package: "openclaw",
        range: "<2026.4.15-0",
        files: OPENCLAW_BUILDER_FILES,
        expect: "any",
        whenAbsent: PI_AI_WHEN_ABSENT,
      },
      {
        package: "openclaw",
        range: ">=2026.8.0-0",
        files: ["dist/openai-transport-stream-*.js", "dist/openai-transport-stream-*.mjs"],
        expect: "any",
        whenAbsent: OPENCLAW_AI_WHEN_ABSENT,
      },
      {
        package: "@openclaw/ai",
        // `openai-completions-*.mjs` also matches the `-stream-` chunk of 2026.9.6.
        files: ["dist/transports.mjs", "dist/openai-completions-*.mjs"],
        expect: "at-least-one",
      },
    ],
    options: gate,
    transform: wrapReturnValues({
      functionNames: ["buildParams", "buildOpenAICompletionsParams", "buildOpenAICompletionsRequest"],
      helperName: TOOL_GATE.name,
      helperSource: TOOL_GATE.source,
    }),
  });

export default defineBuiltin({
  order: 10,
  specs: (settings) => [vllmToolGate(gateConfigOf(settings.vllm))],
});

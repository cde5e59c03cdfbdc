import { definePatch, type PatchSpec } from "../../../core/spec.js";
import { insertImportAfterShebang } from "../../../transforms/insert-import.js";
import { assertMarker, markerFor } from "../../../transforms/marker.js";
import { defineBuiltin } from "../../builtin-patch.js";
import { gateConfigOf, type GateConfig } from "../../gate-config.js";
import { moduleCode } from "./embedded.generated.js";

/*
 * Where a published OpenClaw starts a process (measured on 2026.1.29, 2026.2.26, 2026.3.13,
 * 2026.5.28, 2026.7.33 and 2026.9.6; all ship ESM `.js` entries in a `"type": "module"`
 * package, 2026.9.6 with `.mjs` chunks behind them):
 * - `dist/index.js`: `main`, and what the gateway service executes (`node dist/index.js
 *   gateway …`; 2026.9.x's daemon takes the first of `dist/index.js`, `dist/index.mjs`,
 *   `dist/entry.js`, `dist/entry.mjs`).
 * - `dist/entry.js`: the CLI entry the bin imports (every version; 2026.9.x's bin falls back to
 *   `dist/entry.mjs`).
 * - `openclaw.mjs`: the `bin` (`openclaw` on PATH). Before it reaches `dist/entry.js` it runs
 *   code of its own (2026.9.x: Node/sqlite probes, `dist/warning-filter.js`, the node-host
 *   launcher that respawns `openclaw.mjs` as a child, the browser native host
 *   `dist/extensions/browser/native-host-entry.js`, `dist/infra/package-lifecycle.js`): it
 *   imports the overlay itself (spec `runtime-overlay-bin`), so no path from the bin escapes.
 *
 * Every entry imports the ONE module `dist/clawmend-overlay.mjs` (`.cjs` for a CJS entry);
 * a process entering through the bin and then `dist/entry.js` evaluates it once, and any
 * second copy (ESM + CJS) does nothing: the overlay installs once per process.
 */

/** The `dist/` entries; at least one must exist (a layout without them is a new one: stop). */
export const RUNTIME_OVERLAY_ENTRIES: readonly string[] = ["dist/index.js", "dist/entry.js", "dist/index.mjs", "dist/entry.mjs"];

/** The package's `bin`, which imports `./dist/clawmend-overlay.mjs`. */
export const RUNTIME_OVERLAY_BIN = "openclaw.mjs";

const OVERLAY_ID = "runtime-overlay";
const OVERLAY_VERSION = 3;

/** Packages whose own nested `undici` the overlay also hooks (2026.9.x sends via `@openclaw/ai`). */
export const OVERLAY_UNDICI_HOSTS: readonly string[] = ["@openclaw/ai"];

/** The overlay module (module/overlay.ts, bundled) for an ES module or CommonJS entry, with its settings. */
export function overlayModule(cfg: GateConfig, format: "esm" | "cjs", marker: string): string {
  assertMarker(marker);
  const args = `${JSON.stringify(cfg)}, ${JSON.stringify(OVERLAY_UNDICI_HOSTS)}, ${JSON.stringify(marker.slice(2, -2))}`;
  if (format === "esm") {
    return `${marker}
import { createRequire as __clawmend_createRequire } from "node:module";
${moduleCode.body}${moduleCode.exports}(__clawmend_createRequire(import.meta.url), import.meta.url, "esm", ${args});
`;
  }
  return `${marker}
"use strict";
${moduleCode.body}${moduleCode.exports}(require, __filename, "cjs", ${args});
`;
}

/**
 * The runtime overlay: a module imported first by every OpenClaw entry. It guards the fetch
 * boundary (vLLM tool payloads, strict mode, trace) and network enumeration process-wide.
 */
export const runtimeOverlay = (gate: GateConfig): PatchSpec<GateConfig> =>
  definePatch({
    id: OVERLAY_ID,
    version: OVERLAY_VERSION,
    description: "Import the clawmend runtime overlay first in every OpenClaw entry (gateway: dist/index.js, CLI: dist/entry.js)",
    required: true,
    targets: [
      {
        package: "openclaw",
        files: [...RUNTIME_OVERLAY_ENTRIES],
        expect: "at-least-one",
      },
    ],
    options: gate,
    transform: insertImportAfterShebang({ moduleName: "clawmend-overlay", moduleSource: overlayModule }),
  });

/**
 * The same overlay imported first by the bin `openclaw.mjs` (from `./dist/`), so the bin's own
 * modules and everything it loads before `dist/entry.js` run after the overlay. A separate
 * spec so that `runtime-overlay` keeps failing (`missing-target`) when a release moves its
 * `dist/` entries, instead of counting the bin as enough.
 */
export const runtimeOverlayBin = (gate: GateConfig): PatchSpec<GateConfig> =>
  definePatch({
    id: "runtime-overlay-bin",
    version: OVERLAY_VERSION,
    description: "Import the clawmend runtime overlay first in the OpenClaw bin (openclaw.mjs)",
    required: true,
    targets: [
      {
        package: "openclaw",
        files: [RUNTIME_OVERLAY_BIN],
        expect: "any",
        whenAbsent: "this package has no openclaw.mjs bin (its dist entries carry the overlay)",
      },
    ],
    options: gate,
    // The module is the one `runtime-overlay` writes, byte for byte (its marker included), so the
    // two specs never disagree about `dist/clawmend-overlay.mjs`.
    transform: insertImportAfterShebang({
      moduleName: "dist/clawmend-overlay",
      moduleSource: (options: GateConfig, format) => overlayModule(options, format, markerFor(OVERLAY_ID, OVERLAY_VERSION)),
    }),
  });

export default defineBuiltin({
  order: 20,
  specs: (settings) => {
    const gate = gateConfigOf(settings.vllm);
    return [runtimeOverlay(gate), runtimeOverlayBin(gate)];
  },
});

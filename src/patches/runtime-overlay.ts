import { insertImportAfterShebang } from "../transforms/insert-import.js";
import { overlayModuleSource } from "./runtime/sources.js";
import { definePatch } from "./spec.js";

/**
 * The runtime overlay: a module imported first by every OpenClaw entry. It guards the fetch
 * boundary (vLLM tool payloads, strict mode, trace) and network enumeration process-wide.
 */
export const runtimeOverlay = definePatch({
  id: "runtime-overlay",
  version: 1,
  description: "Import the clawpatch runtime overlay first in every OpenClaw entry (gateway: dist/index.js, CLI: dist/entry.js)",
  required: true,
  targets: [
    {
      package: "openclaw",
      files: ["dist/index.js", "dist/entry.js", "dist/index.mjs", "dist/entry.mjs"],
      expect: "at-least-one",
    },
  ],
  transform: insertImportAfterShebang({
    moduleName: "clawpatch-overlay",
    moduleSource: (settings, format, marker) => overlayModuleSource(settings.vllm, format, marker),
  }),
});

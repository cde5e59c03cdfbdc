import { wrapBuiltinExport } from "../transforms/wrap-builtin-export.js";
import { NETWORK_GUARD_HELPER, networkGuardHelperSource } from "./runtime/sources.js";
import { definePatch } from "./spec.js";

/**
 * Network enumeration guard: every use of `node:os` `networkInterfaces` in OpenClaw's dist is
 * passed through a guard that returns `{}` and logs `NETWORK_ENUM_DEGRADED` once per process
 * when enumeration throws (sandboxes, containers, hardened hosts).
 */
export const networkInterfacesGuard = definePatch({
  id: "network-interfaces-guard",
  version: 1,
  description: "Guard every use of node:os networkInterfaces in OpenClaw's dist: {} and one NETWORK_ENUM_DEGRADED line instead of a crash",
  required: true,
  targets: [
    {
      package: "openclaw",
      files: ["dist/**/*.{js,mjs,cjs}"],
      // The runtime overlay module (another patch's asset) carries its own guard.
      ignore: ["dist/**/clawpatch-overlay.*"],
      expect: "any",
      whenAbsent: "this version has no use of node:os networkInterfaces in its dist",
    },
  ],
  transform: wrapBuiltinExport({
    module: "os",
    exportName: "networkInterfaces",
    helperName: NETWORK_GUARD_HELPER,
    helperSource: networkGuardHelperSource,
  }),
});

import { definePatch } from "../core/spec.js";
import { wrapBuiltinExport } from "../transforms/wrap-builtin-export.js";
import { NETWORK_GUARD_HELPER, networkGuardHelper } from "./snippets.js";

/**
 * Network enumeration guard: every use of `node:os` `networkInterfaces` in OpenClaw's dist is
 * passed through a guard that returns `{}` and logs `NETWORK_ENUM_DEGRADED` once per process
 * when enumeration throws (sandboxes, containers, hardened hosts).
 *
 * `dist/worker/**` is left alone: those bundles (2026.9.x) are hashed and shipped to node hosts
 * as one build, worker `install: "npm"` mode refuses one that differs from the published bytes,
 * and a worker-turn's model calls are made by the gateway, which is patched.
 */
export const networkInterfacesGuard = definePatch({
  id: "network-interfaces-guard",
  version: 2,
  description: "Guard every use of node:os networkInterfaces in OpenClaw's dist: {} and one NETWORK_ENUM_DEGRADED line instead of a crash",
  required: true,
  targets: [
    {
      package: "openclaw",
      files: ["dist/**/*.{js,mjs,cjs}"],
      ignore: ["dist/worker/**"],
      expect: "any",
      whenAbsent: "this version has no use of node:os networkInterfaces in its dist",
    },
  ],
  transform: wrapBuiltinExport({
    module: "os",
    exportName: "networkInterfaces",
    helperName: NETWORK_GUARD_HELPER,
    helperSource: (_options: unknown, marker: string) => networkGuardHelper(marker),
  }),
});

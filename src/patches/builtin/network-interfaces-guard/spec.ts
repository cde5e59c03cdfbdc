import { definePatch } from "../../../core/spec.js";
import { wrapBuiltinExport } from "../../../transforms/wrap-builtin-export.js";
import { defineBuiltin, embeddedHelper } from "../../builtin-patch.js";
import { helper } from "./embedded.generated.js";

/** `function __clawmend_guardNetworkInterfaces(fn, self)`: the network enumeration guard (helper/network-guard.ts). */
export const NETWORK_GUARD = embeddedHelper<unknown>("__clawmend_guardNetworkInterfaces", helper);

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
    helperName: NETWORK_GUARD.name,
    helperSource: NETWORK_GUARD.source,
  }),
});

export default defineBuiltin({
  order: 40,
  specs: () => [networkInterfacesGuard],
  // The doctor calls the guard of a guarded chunk with a throwing os.networkInterfaces: {}.
  selfTest: {
    id: networkInterfacesGuard.id,
    helper: NETWORK_GUARD,
    call: "(helper, { throwing, os }) => helper(throwing, os)()",
    expect: {},
    what: "the network guard",
    fails: "does not return {} for a throwing os.networkInterfaces()",
    noun: "guard helper",
  },
});

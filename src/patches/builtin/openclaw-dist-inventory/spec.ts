import { definePatch } from "../../../core/spec.js";
import { syncInventory } from "../../../transforms/sync-inventory.js";
import { defineBuiltin } from "../../builtin-patch.js";

/**
 * OpenClaw's own inventories of its dist (2026.8+): `dist/postinstall-inventory.json` lists every
 * file the package lifecycle keeps (its postinstall deletes every other dist file, the runtime
 * overlay included, on the first command after an install that skipped scripts, and on every
 * `npm rebuild`), and `dist/postinstall-content-inventory.json` holds each file's sha256, size and
 * mode (the updater, update triage and node-host installs refuse a tree that does not match).
 * This patch records the other patches' edits and added files in both, so that OpenClaw's
 * lifecycle keeps them and its integrity checks describe the tree as it is; revert restores both.
 */
export const openclawDistInventory = definePatch({
  id: "openclaw-dist-inventory",
  version: 1,
  description: "Record the other patches' edits and added files in OpenClaw's dist inventories, so its package lifecycle keeps them",
  required: true,
  targets: [
    {
      package: "openclaw",
      files: ["dist/postinstall-inventory.json", "dist/postinstall-content-inventory.json"],
      expect: "any",
      whenAbsent: "this version ships no dist inventory (its package lifecycle prunes nothing)",
    },
  ],
  transform: syncInventory({
    scope: "dist/",
    modeMask: 0o777,
    files: {
      "dist/postinstall-inventory.json": { kind: "paths" },
      "dist/postinstall-content-inventory.json": {
        kind: "records",
        fields: { path: "path", sha256: "sha256", size: "size", mode: "mode" },
      },
    },
  }),
});

/** Last: it records what the patches before it changed. */
export default defineBuiltin({
  order: 100,
  specs: () => [openclawDistInventory],
});

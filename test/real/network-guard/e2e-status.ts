/**
 * Real end to end: a copy of a real global-style openclaw 2026.2.26 install; `openclaw status`
 * under Node 22 with `getifaddrs()` failing with EPERM (an LD_PRELOAD shim: the failure a
 * restricted container gives). Pristine, it exits 1 with the `uv_interface_addresses` error;
 * patched with `--only network-interfaces-guard`, it exits 0 and prints NETWORK_ENUM_DEGRADED.
 *
 * One copy: the pristine run first, then the patch. 2026.2.26 has no package lifecycle, and the
 * test asserts that the pristine run left the package byte for byte as installed, so the patch
 * starts from the state of a never-run install (only OpenClaw's transpile cache in TMPDIR, which
 * holds no package state, is warm for the second run).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getifaddrsEpermEnv } from "../../support/getifaddrs-shim.js";
import { nodeBinary, runNode } from "../../support/node-runtime.js";
import { OFFLINE_ENV } from "../../support/openclaw-home.js";
import { runBin } from "../../support/cli.js";
import { copyTree, globalStyleInstall, removeCopy } from "../../support/real-packages.js";
import { diffSnapshots, snapshot } from "../../support/tree.js";

const homes: string[] = [];
let copy = "";

async function status(copy: string) {
  const node22 = await nodeBinary(22);
  const home = await mkdtemp(join(tmpdir(), "ng-home-"));
  homes.push(home);
  return runNode(node22, [join(copy, "openclaw.mjs"), "status"], {
    cwd: home,
    env: { HOME: home, ...OFFLINE_ENV, ...(await getifaddrsEpermEnv()) },
    timeoutMs: 15 * 60_000,
  });
}

export function describeStatusUnderEperm(): void {
  describe("openclaw 2026.2.26 status with getifaddrs() failing (EPERM)", () => {
    afterAll(async () => {
      if (copy) await removeCopy(copy);
      for (const h of homes) await rm(h, { recursive: true, force: true });
    });

    it(
      "pristine exits 1 with uv_interface_addresses; patched exits 0 and prints NETWORK_ENUM_DEGRADED",
      async () => {
        copy = await copyTree(await globalStyleInstall("openclaw@2026.2.26"));
        const installed = await snapshot(copy);

        const before = await status(copy);
        expect(before.code, before.stderr.slice(-2000)).toBe(1);
        expect(before.stderr).toContain("uv_interface_addresses");
        expect(before.stderr).not.toContain("NETWORK_ENUM_DEGRADED");
        expect(diffSnapshots(installed, await snapshot(copy)), "the pristine run changed the package").toEqual([]);

        const patch = await runBin(["patch", "--root", copy, "--only", "network-interfaces-guard"], { cwd: tmpdir() });
        expect(patch.code, patch.stderr + patch.stdout).toBe(0);
        const after = await status(copy);
        expect(after.code, after.stderr.slice(-3000)).toBe(0);
        expect(after.stderr).toMatch(/^NETWORK_ENUM_DEGRADED: .*uv_interface_addresses/m);
        expect(after.stderr.match(/^NETWORK_ENUM_DEGRADED: /gm)).toHaveLength(1);
        expect(after.stderr).not.toContain("Failed to start CLI");
      },
      60 * 60_000,
    );
  });
}

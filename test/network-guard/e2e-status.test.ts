/**
 * Real end to end (issue 4 "Must show"): a copy of a real global-style openclaw 2026.2.26
 * install, patched with `--only network-interfaces-guard`; `openclaw status` under Node 22
 * with `getifaddrs()` failing with EPERM (LD_PRELOAD shim, the failure a restricted container
 * gives) exits 0 and prints NETWORK_ENUM_DEGRADED; the pristine copy exits 1 with the
 * `uv_interface_addresses` error. First run installs openclaw (minutes).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getifaddrsEpermEnv } from "../support/getifaddrs-shim.js";
import { nodeBinary, runNode } from "../support/node-runtime.js";
import { OFFLINE_ENV } from "../support/openclaw-home.js";
import { runBin } from "../support/cli.js";
import { copyTree, globalStyleInstall, removeAllCopies } from "../support/real-packages.js";

const homes: string[] = [];

afterAll(async () => {
  await removeAllCopies();
  for (const h of homes) await rm(h, { recursive: true, force: true });
});

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

describe("openclaw 2026.2.26 status with getifaddrs() failing (EPERM)", () => {
  it(
    "pristine exits 1 with uv_interface_addresses; patched exits 0 and prints NETWORK_ENUM_DEGRADED",
    async () => {
      const install = await globalStyleInstall("openclaw@2026.2.26");
      const [pristine, patched] = [await copyTree(install), await copyTree(install)];
      const patch = await runBin(["patch", "--root", patched, "--only", "network-interfaces-guard"], { cwd: tmpdir() });
      expect(patch.code, patch.stderr + patch.stdout).toBe(0);

      const before = await status(pristine);
      expect(before.code, before.stderr.slice(-2000)).toBe(1);
      expect(before.stderr).toContain("uv_interface_addresses");
      expect(before.stderr).not.toContain("NETWORK_ENUM_DEGRADED");

      const after = await status(patched);
      expect(after.code, after.stderr.slice(-3000)).toBe(0);
      expect(after.stderr).toMatch(/^NETWORK_ENUM_DEGRADED: .*uv_interface_addresses/m);
      expect(after.stderr.match(/^NETWORK_ENUM_DEGRADED: /gm)).toHaveLength(1);
      expect(after.stderr).not.toContain("Failed to start CLI");
    },
    60 * 60_000,
  );
});

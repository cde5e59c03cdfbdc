/**
 * The runtime overlay on a copy of the real openclaw 2026.2.26 (global-style install, Node 22):
 * - the process-wide network enumeration fallback: `openclaw status` with getifaddrs() failing
 *   (EPERM shim) and ONLY the overlay patched (`--only runtime-overlay`, no network guard in
 *   the chunks) exits 0 and prints NETWORK_ENUM_DEGRADED once; the same copy before patching
 *   dies with `uv_interface_addresses`;
 * - import order on the real entries (dist/index.js, dist/entry.js, and the bin once
 *   `runtime-overlay-bin` is applied): the overlay's body runs before any other module body.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getifaddrsEpermEnv } from "../../support/getifaddrs-shim.js";
import { nodeBinary, runNode } from "../../support/node-runtime.js";
import { OFFLINE_ENV } from "../../support/openclaw-home.js";
import { copyTree, globalStyleInstall, removeCopy } from "../../support/real-packages.js";
import { runBin } from "../../support/cli.js";
import { evalOrder, jsonLines, writeConfig, writeEvalProbe } from "../../support/probes.js";
import { builtinMarker } from "../../support/markers.js";

const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });

const MIN = 60_000;
let node = "";
let copy = "";
let work = "";

async function status() {
  const home = await mkdtemp(path.join(work, "home-"));
  return runNode(node, [path.join(copy, "openclaw.mjs"), "status"], {
    cwd: home,
    env: { HOME: home, ...OFFLINE_ENV, ...(await getifaddrsEpermEnv()) },
    timeoutMs: 15 * MIN,
  });
}

/** Runs `node [--import probe] <copy>/<entry> --version` with the trace flag. */
function probeRun(entry: string) {
  const probe = writeEvalProbe(work, copy);
  return runNode(node, ["--import", probe, path.join(copy, entry), "--version"], {
    env: { HOME: work, ...OFFLINE_ENV, OPENCLAW_TRACE_VLLM_OUTBOUND: "1" },
    timeoutMs: 10 * MIN,
  });
}

export function describeRuntimeOverlay(): void {
  describe("runtime overlay on real openclaw 2026.2.26 (Node 22)", () => {
    beforeAll(async () => {
      node = await nodeBinary(22);
      copy = await copyTree(await globalStyleInstall("openclaw@2026.2.26"));
      work = await mkdtemp(path.join(os.tmpdir(), "clawmend-overlay-226-"));
    }, 60 * MIN);

    afterAll(async () => {
      if (copy) await removeCopy(copy);
      if (work) await rm(work, { recursive: true, force: true });
    });

    it(
      "pristine: the first module body to run is not the overlay (the probe can fail)",
      async () => {
        const r = await probeRun("dist/index.js");
        expect(r.code, r.stderr.slice(-2000)).toBe(0);
        expect(evalOrder(r.stderr)[0]).not.toBe("dist/clawmend-overlay.mjs");
        expect(evalOrder(r.stderr).length).toBeGreaterThan(10);
      },
      15 * MIN,
    );

    it(
      "status under getifaddrs() EPERM: pristine dies; with ONLY the overlay it exits 0 and prints NETWORK_ENUM_DEGRADED once",
      async () => {
        const before = await status();
        expect(before.code, before.stderr.slice(-2000)).toBe(1);
        expect(before.stdout + before.stderr).toContain("uv_interface_addresses");

        const p = await clawmend(["patch", "--root", copy, "--only", "runtime-overlay"]);
        expect(p.code, p.stdout + p.stderr).toBe(0);
        expect(p.stdout).toMatch(/runtime-overlay\s+applied\s+dist\/entry\.js:2, dist\/index\.js:2/);
        expect(p.stdout).not.toMatch(/network-interfaces-guard/);

        const after = await status();
        expect(after.code, after.stderr.slice(-3000)).toBe(0);
        expect(after.stderr.match(/^NETWORK_ENUM_DEGRADED: /gm)).toHaveLength(1);
        expect(after.stderr).toMatch(/^NETWORK_ENUM_DEGRADED: .*uv_interface_addresses/m);
        expect(jsonLines(after.stderr).filter((l) => l.code === "NETWORK_ENUM_DEGRADED")).toHaveLength(1);
        expect(after.stdout + after.stderr).not.toContain("Failed to start CLI");
      },
      45 * MIN,
    );

    it(
      "import order: the overlay's body runs first from dist/index.js, dist/entry.js and the bin, and installs once",
      async () => {
        const p = await clawmend(["patch", "--root", copy, "--only", "runtime-overlay,runtime-overlay-bin", "--config", writeConfig(work)]);
        expect(p.code, p.stdout + p.stderr).toBe(0);
        expect(p.stdout).toMatch(/runtime-overlay-bin\s+applied\s+openclaw\.mjs:2/);
        for (const entry of ["dist/index.js", "dist/entry.js", "openclaw.mjs"]) {
          const r = await probeRun(entry);
          expect(r.code, `${entry}\n${r.stderr.slice(-2000)}`).toBe(0);
          const order = evalOrder(r.stderr);
          expect(order[0], entry).toBe("dist/clawmend-overlay.mjs");
          expect(
            order.filter((m) => m === "dist/clawmend-overlay.mjs"),
            entry,
          ).toHaveLength(1);
          expect(order.length, entry).toBeGreaterThan(1);
          // The overlay's own line comes before every other module body's first output.
          const lines = r.stderr.split("\n");
          const installed = lines.findIndex((l) => l.includes('"clawmend_overlay_installed"'));
          expect(installed, entry).toBe(lines.indexOf("EVAL dist/clawmend-overlay.mjs") + 1);
          expect(
            jsonLines(r.stderr).filter((l) => l.msg === "clawmend_overlay_installed"),
            entry,
          ).toHaveLength(1);
        }
        // The bin's path into the CLI entry: both import the overlay, it evaluates once.
        const bin = await probeRun("openclaw.mjs");
        const order = evalOrder(bin.stderr);
        if (order.includes("dist/entry.js")) expect(order.filter((m) => m === "dist/clawmend-overlay.mjs")).toHaveLength(1);
      },
      30 * MIN,
    );

    it(
      "imported twice as ESM and once as CJS from the real package: installs once, hooks the package's undici once",
      async () => {
        const { writeFileSync } = await import("node:fs");
        const { defaultSettings } = await import("../../../src/config/settings.js");
        const { gateConfigOf } = await import("../../../src/patches/gate-config.js");
        const { overlayModule } = await import("../../../src/patches/builtin/runtime-overlay/spec.js");
        writeFileSync(
          path.join(copy, "dist", "clawmend-overlay-test-copy.cjs"),
          overlayModule(gateConfigOf(defaultSettings().vllm), "cjs", builtinMarker("runtime-overlay")),
        );
        const script = path.join(copy, "dist", "twice-test.mjs");
        writeFileSync(
          script,
          `import "./clawmend-overlay.mjs";
  import "./clawmend-overlay.mjs?again";
  import { createRequire } from "node:module";
  createRequire(import.meta.url)("./clawmend-overlay-test-copy.cjs");
  const state = globalThis[Symbol.for("clawmend.overlay.installed")];
  console.log(JSON.stringify({ format: state.format, hooks: state.hooks }));
  `,
        );
        const r = await runNode(node, [script], {
          env: { HOME: work, ...OFFLINE_ENV, OPENCLAW_TRACE_VLLM_OUTBOUND: "1" },
          timeoutMs: 10 * MIN,
        });
        expect(r.code, r.stderr.slice(-2000)).toBe(0);
        expect(jsonLines(r.stderr).filter((l) => l.msg === "clawmend_overlay_installed")).toHaveLength(1);
        const state = JSON.parse(r.stdout.trim().split("\n").pop()!);
        expect(state.format).toBe("esm");
        expect(state.hooks.filter((h: string) => h.startsWith("undici.fetch:"))).toHaveLength(1);
      },
      15 * MIN,
    );
  });
}

/**
 * Real matrix (issue 4 "Must show"): published openclaw tarballs, extracted and copied, patched
 * with the CLI `--only network-interfaces-guard`. Every OS-backed site counted by an
 * independent scan (./independent-scan.ts) and by the table below must be guarded; nothing
 * else changes; every patched file passes `node --check` (Node 26 for versions that need it);
 * a second run changes no byte; `--verify` exits 1 before and 0 after.
 *
 * OpenClaw's hashed worker bundles (`dist/worker/**`, 2026.9.x: two ~50 MB one-line bundles with
 * 5 OS-backed sites each) are left alone by design (docs/openclaw-lifecycle.md): they must hold
 * the name and come out byte-identical, so the scan skips them.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fg from "fast-glob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NETWORK_GUARD } from "../../../src/patches/builtin/network-interfaces-guard/spec.js";
import { runBin } from "../../support/cli.js";
import { nodeBinary } from "../../support/node-runtime.js";
import { isInsertOnly as isSubsequence } from "../../support/patch-fixtures.js";
import { copyTree, extractedPackage, removeAllCopies } from "../../support/real-packages.js";
import { run } from "../../support/run.js";
import { diffSnapshots, snapshot, type Snapshot } from "../../support/tree.js";
import { independentScan } from "./independent-scan.js";
import { builtinMarker } from "../../support/markers.js";

const HELPER = NETWORK_GUARD.name;

const MARKER = builtinMarker("network-interfaces-guard");
/** Hashed build artifacts the guard leaves alone (see the spec). */
const isWorkerBundle = (file: string) => file.startsWith("dist/worker/");

/** Known OS-backed sites per file (measured on the published tarballs, see the report/docs). */
const KNOWN: Record<string, Record<string, number>> = {
  "2026.1.29": { "dist/infra/system-presence.js": 1, "dist/infra/tailnet.js": 1 },
  "2026.2.26": {
    "dist/daemon-cli.js": 2,
    "dist/net-DBrsyv8q.js": 1,
    "dist/ws-zZ6eXqMi.js": 1,
    "dist/tailnet-Ca1WnFBq.js": 1,
    "dist/tailnet-kbXXH7kK.js": 1,
    "dist/qr-cli-0_xJavUe.js": 1,
    "dist/qr-cli-G0yxGm1D.js": 1,
  },
  "2026.3.13": {
    "dist/auth-profiles-DDVivXkv.js": 2,
    "dist/auth-profiles-DRjqKE3G.js": 2,
    "dist/reply-Bm8VrLQh.js": 2,
    "dist/qr-cli-CmqHM14p.js": 1,
    "dist/qr-cli-v3Gp8TUY.js": 1,
  },
  "2026.5.28": {
    "dist/ports-B8kDN2an.js": 1,
    "dist/qr-cli-C3qYLzv3.js": 1,
    "dist/src-GWz6AwfB.js": 1,
    "dist/tailnet-CyU_ckBA.js": 2,
    "dist/extensions/device-pair/index.js": 1,
  },
  "2026.9.6": {
    "dist/lib-TP3iUnPm.mjs": 3,
    "dist/network-interfaces-S5y8vKUw.mjs": 2,
    "dist/ports-inspect-B622oIsW.mjs": 1,
    "dist/server-worker-environment-startup-BJh9c7FL.mjs": 1,
    "dist/setup-code-B12NEmbV.mjs": 1,
    "dist/src-B0SYd4Mk.mjs": 1,
    "dist/extensions/device-pair/index.js": 1,
  },
};

/** The worker bundles each version ships (left alone). */
const WORKER_BUNDLES: Record<string, string[]> = {
  "2026.9.6": ["dist/worker/sqlite-store.worker.mjs", "dist/worker/worker.mjs"],
};

/** Versions whose code needs a newer Node than this one to `--check` (explicit resource management). */
const NEEDS_NODE_26 = new Set(["2026.9.6"]);

function clawmend(args: string[]) {
  return runBin(args, { cwd: REPO_TMP });
}
const REPO_TMP = tmpdir();

interface JsonSite {
  line: number;
  column: number;
  what: string;
}

function guardFiles(report: string): Map<string, JsonSite[]> {
  const doc = JSON.parse(report) as {
    copies: Array<{ patches: Array<{ patch: string; files?: Array<{ file: string; sites: JsonSite[] }> }> }>;
  };
  const out = new Map<string, JsonSite[]>();
  for (const copy of doc.copies) {
    for (const p of copy.patches) if (p.patch === "network-interfaces-guard") for (const f of p.files ?? []) out.set(f.file, f.sites);
  }
  return out;
}

/** Each version's extracted tarball, all fetched at once (a fresh machine downloads them). */
const pristines = new Map<string, Promise<string>>();
beforeAll(() => {
  for (const version of Object.keys(KNOWN)) {
    const fetched = extractedPackage("openclaw", version);
    fetched.catch(() => {}); // reported by the test that awaits it
    pristines.set(version, fetched);
  }
});

afterAll(async () => {
  await removeAllCopies();
});

describe.each(Object.keys(KNOWN))("openclaw %s", (version) => {
  it(
    "guards every OS-backed site, changes nothing else, checks, is idempotent and verifies",
    async () => {
      const pristine = await pristines.get(version)!;
      const copy = await copyTree(pristine);
      const candidates = fg
        .sync("dist/**/*.{js,mjs,cjs}", { cwd: copy })
        .filter((f) => readFileSync(join(copy, f), "latin1").includes("networkInterfaces"))
        .sort();

      expect(candidates.filter(isWorkerBundle)).toEqual(WORKER_BUNDLES[version] ?? []);

      // Independent count on the pristine files.
      const originals = new Map<string, string>();
      const expected = new Map<string, number>();
      for (const file of candidates.filter((f) => !isWorkerBundle(f))) {
        const code = readFileSync(join(copy, file), "utf8");
        originals.set(file, code);
        const { sites } = independentScan(code, file.endsWith(".cjs") ? "script" : "module");
        if (sites > 0) expected.set(file, sites);
      }
      expect(Object.fromEntries(expected)).toEqual(KNOWN[version]);

      const before = await snapshot(copy);
      const verifyBefore = await clawmend(["patch", "--root", copy, "--only", "network-interfaces-guard", "--verify"]);
      expect(verifyBefore.code, verifyBefore.stderr).toBe(1);
      // Later snapshots read again every file whose stat moved since the one before (see tree.ts).
      expect(diffSnapshots(before, await snapshot(copy, { reuse: before }))).toEqual([]);

      const patched = await clawmend(["patch", "--root", copy, "--only", "network-interfaces-guard", "--json"]);
      expect(patched.code, patched.stderr).toBe(0);
      const reported = guardFiles(patched.stdout);
      expect(Object.fromEntries([...reported].filter(([, s]) => s.length > 0).map(([f, s]) => [f, s.length]))).toEqual(
        Object.fromEntries(expected),
      );

      // Only the files holding sites changed (plus clawmend's own .clawmend/ bookkeeping);
      // the worker bundles, sites and all, are byte-identical.
      const after = await snapshot(copy, { reuse: before });
      // clawmend's own records, and OpenClaw's dist inventories (recorded by the ledger patch).
      const ours = (r: string) =>
        r === ".clawmend" || r.startsWith(".clawmend/") || /^dist\/postinstall-(content-)?inventory\.json$/.test(r);
      const without = (snap: Snapshot, drop: (r: string) => boolean) => new Map([...snap].filter(([r]) => !drop(r)));
      expect(
        diffSnapshots(
          without(before, (r) => expected.has(r) || ours(r)),
          without(after, (r) => expected.has(r) || ours(r)),
        ),
      ).toEqual([]);

      const node = NEEDS_NODE_26.has(version) ? await nodeBinary(26) : process.execPath;
      for (const [file, count] of expected) {
        const text = readFileSync(join(copy, file), "utf8");
        const original = originals.get(file)!;
        // Insert-only: the original is a subsequence; one marker per site plus the helper's.
        expect(isSubsequence(original, text), file).toBe(true);
        expect(text.split(`${MARKER}${HELPER}(`).length - 1, file).toBe(count);
        expect(text.split(`function ${HELPER}(`).length - 1, file).toBe(1);
        // Each guard wraps an os-bound member: the independent scan on the output finds the same
        // members, each right after a helper call's opening.
        const again = independentScan(text, file.endsWith(".cjs") ? "script" : "module");
        expect(again.sites, file).toBe(count);
        for (const at of again.offsets) {
          expect(text.slice(at - MARKER.length - HELPER.length - 1, at), `${file} at ${at}: ${text.slice(at - 40, at + 30)}`).toBe(
            `${MARKER}${HELPER}(`,
          );
        }
        // Decoys (params, opts.networkInterfaces, keys, strings, comments) are not touched: no
        // new occurrence of the name besides the helper's own.
        const helperOwn = text.slice(text.lastIndexOf(`${MARKER}\nfunction ${HELPER}(`)).split("networkInterfaces").length - 1;
        expect(text.split("networkInterfaces").length - 1 - helperOwn, file).toBe(original.split("networkInterfaces").length - 1);
        const check = await run(node, ["--check", join(copy, file)]);
        expect(check.code, `${file}: ${check.stderr}`).toBe(0);
      }

      const second = await clawmend(["patch", "--root", copy, "--only", "network-interfaces-guard"]);
      expect(second.code, second.stderr).toBe(0);
      expect(diffSnapshots(after, await snapshot(copy, { reuse: after }))).toEqual([]);

      const verifyAfter = await clawmend(["patch", "--root", copy, "--only", "network-interfaces-guard", "--verify"]);
      expect(verifyAfter.code, verifyAfter.stderr).toBe(0);
    },
    90 * 60_000,
  );
});

/**
 * The hand-written mini openclaw dist (fixtures/network-guard/pkg): two chunk graphs holding
 * the same code under different hashed names, a shebang entry, a CJS file, an extension, a
 * minified chunk, a hashed worker bundle (left alone), decoys. Patched through the CLI; then run with `os.networkInterfaces`
 * made to throw (a preload), both graphs degrade to `{}` with one NETWORK_ENUM_DEGRADED line.
 */
import { runSync } from "../support/run.js";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fg from "fast-glob";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NETWORK_GUARD } from "../../src/patches/builtin/network-interfaces-guard/spec.js";
import { runCli } from "../support/cli.js";
import { FIXTURES } from "../support/paths.js";
import { expectSameTree, snapshot } from "../support/tree.js";
import { builtinMarker } from "../support/markers.js";

const HELPER = NETWORK_GUARD.name;

const PKG = join(FIXTURES, "network-guard", "pkg");
const MARKER = builtinMarker("network-interfaces-guard");
const SITES: Record<string, number> = {
  "dist/net-A1b2C3d4.js": 1,
  "dist/ws-Q9w8E7r6.js": 1,
  "dist/tailnet-X1y2Z3a4.js": 3,
  "dist/tailnet-M5n6B7v8.js": 3,
  "dist/ip-K7j6H5g4.js": 6,
  "dist/legacy.cjs": 2,
  "dist/extensions/device-pair/index.js": 1,
  "dist/gce-Wk9s8d7f.mjs": 3,
};
const THROWER = `const os = require("node:os");
os.networkInterfaces = function networkInterfaces() {
  const e = new Error("A system error occurred: uv_interface_addresses returned Unknown system error 1 (Unknown system error 1)");
  e.code = "ERR_SYSTEM_ERROR";
  throw e;
};
require("node:module").syncBuiltinESMExports();
`;

let dir: string;
let pristine: string;
let patched: string;
let preload: string;
const args = (root: string, ...more: string[]) => ["patch", "--root", root, "--only", "network-interfaces-guard", ...more];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ng-pkg-"));
  pristine = join(dir, "pristine");
  patched = join(dir, "patched");
  cpSync(PKG, pristine, { recursive: true });
  cpSync(PKG, patched, { recursive: true });
  preload = join(dir, "thrower.cjs");
  writeFileSync(preload, THROWER);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(args: string[]) {
  return runSync(process.execPath, args);
}

describe("mini openclaw dist", () => {
  it("patches every copy in both chunk graphs, lists every site with file:line, verifies, is idempotent", async () => {
    expect((await runCli(args(patched, "--verify"), { cwd: dir })).code).toBe(1);
    const result = await runCli(args(patched, "--json"), { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    const files = doc.copies[0].patches.find((p: { patch: string }) => p.patch === "network-interfaces-guard").files as Array<{
      file: string;
      sites: Array<{ line: number }>;
    }>;
    expect(Object.fromEntries(files.filter((f) => f.sites.length > 0).map((f) => [f.file, f.sites.length]))).toEqual(SITES);
    for (const f of files) for (const s of f.sites) expect(s.line).toBeGreaterThan(0);

    for (const file of fg.sync("dist/**/*.{js,mjs,cjs}", { cwd: patched })) {
      const text = readFileSync(join(patched, file), "utf8");
      expect(text.split(`${MARKER}${HELPER}(`).length - 1, file).toBe(SITES[file] ?? 0);
      if (!SITES[file]) expect(text, file).toBe(readFileSync(join(PKG, file), "utf8"));
      const check = node(["--check", join(patched, file)]);
      expect(check.code, `${file}: ${check.stderr}`).toBe(0);
    }
    expect(readFileSync(join(patched, "dist/entry.js"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);

    const snap = await snapshot(patched);
    expect((await runCli(args(patched), { cwd: dir })).code).toBe(0);
    expectSameTree(await snapshot(patched), snap);
    expect((await runCli(args(patched, "--verify"), { cwd: dir })).code).toBe(0);
  });

  it("a version without any use reports not-applicable with the reason and exits 0", async () => {
    const bare = join(dir, "bare");
    cpSync(join(PKG, "package.json"), join(bare, "package.json"));
    cpSync(join(PKG, "dist", "qr-decoy.js"), join(bare, "dist", "qr-decoy.js"));
    const result = await runCli(args(bare, "--json"), { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const guard = JSON.parse(result.stdout).copies[0].patches.find((p: { patch: string }) => p.patch === "network-interfaces-guard");
    expect(guard.status).toBe("not-applicable");
    expect(JSON.stringify(guard)).toContain("no use of node:os networkInterfaces");
    expect(readFileSync(join(bare, "dist", "qr-decoy.js"), "utf8")).toBe(readFileSync(join(PKG, "dist", "qr-decoy.js"), "utf8"));
    expect((await runCli(args(bare, "--verify"), { cwd: dir })).code).toBe(0);
  });

  it("keeps results on success: the patched graphs print what the pristine ones print", () => {
    for (const entry of ["dist/entry.js", "dist/index.js"]) {
      const before = node([join(pristine, entry)]);
      const after = node([join(patched, entry)]);
      expect(before.code).toBe(0);
      expect(after.code, after.stderr).toBe(0);
      expect(after.stdout).toBe(before.stdout);
      expect(after.stderr).toBe("");
    }
  });

  it("when enumeration throws: pristine crashes, patched returns {} everywhere and logs once", () => {
    for (const entry of ["dist/entry.js", "dist/index.js"]) {
      const before = node(["--require", preload, join(pristine, entry)]);
      expect(before.code).not.toBe(0);
      expect(before.stderr).toContain("uv_interface_addresses");

      const after = node(["--require", preload, join(patched, entry)]);
      expect(after.code, after.stderr).toBe(0);
      expect(JSON.parse(after.stdout)).toEqual({
        lan: null,
        read: [],
        deps: [],
        tailnet: [],
        ip: 0,
        detect: [[], []],
        local: [],
        localDeps: [],
        device: null,
        legacy: [],
        worker: [0, [], []],
      });
      const lines = after.stderr.trim().split("\n");
      expect(lines.filter((l) => l.startsWith("NETWORK_ENUM_DEGRADED: "))).toEqual([
        "NETWORK_ENUM_DEGRADED: A system error occurred: uv_interface_addresses returned Unknown system error 1 (Unknown system error 1)",
      ]);
      const json = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      expect(json).toHaveLength(1);
      expect(json[0]).toMatchObject({ level: "warn", msg: "network_enum_degraded", code: "NETWORK_ENUM_DEGRADED" });
      expect(json[0].error).toContain("uv_interface_addresses");
    }
  });
});

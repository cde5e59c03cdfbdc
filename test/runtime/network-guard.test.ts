import { runSync } from "../support/run.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { NETWORK_GUARD } from "../../src/patches/builtin/network-interfaces-guard/spec.js";
import { networkGuardIn, sandbox, type Sandbox } from "../support/runtime-vm.js";
import { builtinMarker } from "../support/markers.js";

/**
 * The network guard at run time: the helper text the guard patch inserts, evaluated in a
 * sandbox of its own (its stderr recorded), and two copies of it in one real process.
 */
const MARKER = builtinMarker("network-interfaces-guard");
type Guard = <T>(fn: T, self?: unknown) => T;

let sb: Sandbox;
let stderr: string[];
beforeEach(() => {
  sb = sandbox();
  stderr = sb.stderr;
});
const loadGuard = (): Guard => networkGuardIn(sb, MARKER) as Guard;

const failing = () => {
  throw Object.assign(new Error("A system error occurred: uv_interface_addresses returned Unknown system error 1"), {
    code: "ERR_SYSTEM_ERROR",
  });
};

describe("network guard helper", () => {
  it("keeps this, arguments and result on success", () => {
    const guard = loadGuard();
    const result = { lo: [{ address: "127.0.0.1" }] };
    const os = {
      tag: "os",
      networkInterfaces(this: { tag: string }, ...args: unknown[]) {
        return { result, self: this, args };
      },
    };
    // rewritten value form: guard(os.networkInterfaces, os)() — called without a receiver
    const g = guard(os.networkInterfaces, os) as unknown as (this: unknown, ...args: unknown[]) => unknown;
    const out = g(1, "two") as unknown as { result: unknown; self: unknown; args: unknown[] };
    expect(out.result).toBe(result);
    expect(out.self).toBe(os);
    expect(out.args).toEqual([1, "two"]);
    // an explicit receiver wins over the fallback
    const other = { tag: "other" };
    expect((g.call(other) as unknown as { self: unknown }).self).toBe(other);
    expect(stderr).toEqual([]);
  });

  it("returns the real os.networkInterfaces result unchanged", async () => {
    const os = await import("node:os");
    const guard = loadGuard() as (fn: unknown, self: unknown) => () => unknown;
    expect(guard(os.networkInterfaces, os)()).toEqual(os.networkInterfaces());
  });

  it("on a throw returns {} and logs both lines once per process", () => {
    const guard = loadGuard();
    const g = guard(failing, null);
    expect(g()).toEqual({});
    expect(g()).toEqual({});
    const other = guard(() => {
      throw new Error("second failure");
    });
    expect(other()).toEqual({});
    expect(stderr).toHaveLength(2);
    const json = JSON.parse(stderr.find((l) => l.startsWith("{"))!);
    expect(json).toMatchObject({
      level: "warn",
      msg: "network_enum_degraded",
      code: "NETWORK_ENUM_DEGRADED",
      error: "A system error occurred: uv_interface_addresses returned Unknown system error 1",
    });
    expect(stderr).toContain("NETWORK_ENUM_DEGRADED: A system error occurred: uv_interface_addresses returned Unknown system error 1\n");
  });

  it("a thrown non-Error is reported too", () => {
    const g = loadGuard()(() => {
      throw "plain string";
    });
    expect(g()).toEqual({});
    expect(stderr).toContain("NETWORK_ENUM_DEGRADED: plain string\n");
  });

  it("the same function gives the same wrapper, across copies of the helper; no double wrap", () => {
    const a = loadGuard();
    const b = loadGuard();
    expect(a).not.toBe(b);
    const fn = () => ({});
    const w = a(fn);
    expect(a(fn)).toBe(w);
    expect(b(fn)).toBe(w);
    expect(a(w)).toBe(w);
    expect(b(w)).toBe(w);
    expect(w).not.toBe(fn);
    expect(w.name).toBe("networkInterfaces");
  });

  it("a non-function is returned unchanged", () => {
    const guard = loadGuard();
    for (const v of [undefined, null, 0, "networkInterfaces", { a: 1 }]) expect(guard(v)).toBe(v);
  });

  it("logs once across two copies in different module files (child process)", () => {
    const dir = mkdtempSync(join(tmpdir(), "clawmend-netguard-"));
    try {
      const src = NETWORK_GUARD.source(undefined, MARKER);
      writeFileSync(join(dir, "a.cjs"), `${src}\nmodule.exports = ${NETWORK_GUARD.name};\n`);
      writeFileSync(join(dir, "b.mjs"), `${src}\nexport default ${NETWORK_GUARD.name};\n`);
      writeFileSync(
        join(dir, "main.mjs"),
        `import os from "node:os";
import { createRequire } from "node:module";
import b from "./b.mjs";
const a = createRequire(import.meta.url)("./a.cjs");
os.networkInterfaces = () => { throw new Error("uv_interface_addresses returned Unknown system error 1"); };
const results = [a(os.networkInterfaces, os)(), b(os.networkInterfaces, os)(), a(() => { throw new Error("x"); })()];
process.stdout.write(JSON.stringify(results));
`,
      );
      const r = runSync(process.execPath, [join(dir, "main.mjs")]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([{}, {}, {}]);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines.filter((l) => l.startsWith("NETWORK_ENUM_DEGRADED: uv_interface_addresses"))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('"code":"NETWORK_ENUM_DEGRADED"'))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("source: starts with the marker, one function declaration, deterministic", () => {
    const src = NETWORK_GUARD.source(undefined, MARKER);
    expect(src.startsWith(`${MARKER}\nfunction ${NETWORK_GUARD.name}(fn, self) {`)).toBe(true);
    expect(src).toBe(NETWORK_GUARD.source(undefined, MARKER));
    expect(src).not.toMatch(/\brequire\(|^\s*import\b/m);
  });
});

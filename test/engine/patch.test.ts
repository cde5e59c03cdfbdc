import { cpSync, chmodSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { FIXTURES as ALL_FIXTURES } from "../support/paths.js";
import { snapshot, tempDir } from "../support/tree.js";

const FIXTURES = join(ALL_FIXTURES, "engine");
const CONFIGS = join(FIXTURES, "configs");
const TAG_CONFIG = join(CONFIGS, "tag-buildparams.config.ts");

function copyFixture(name: string): string {
  const dir = join(tempDir(), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

describe("clawmend patch on a fixture tree", () => {
  it("applies, is a no-op the second time, verifies, and reverts to the original bytes", async () => {
    const root = copyFixture("openclaw-two-graphs");
    const pristine = await snapshot(root);

    const first = await runCli(["patch", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/tag-buildparams\s+applied\s+dist\/providers\/openai-completions\.js:1/);
    const piAi = join(root, "node_modules/@mariozechner/pi-ai/dist/providers/openai-completions.js");
    expect(readFileSync(piAi, "utf8")).toMatch(/^\/\*@clawmend tag-buildparams@1\*\/export function buildParams/);
    const patched = await snapshot(root);

    const second = await runCli(["patch", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/tag-buildparams\s+already-applied/);
    expect(await snapshot(root)).toEqual(patched);

    expect((await runCli(["patch", "--verify", "--root", root, "--config", TAG_CONFIG], { cwd: root })).code).toBe(0);

    const revert = await runCli(["revert", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(revert.code).toBe(0);
    expect(await snapshot(root)).toEqual(pristine);
  });

  it("--verify exits 1 on a pristine tree and writes nothing", async () => {
    const root = copyFixture("openclaw-two-graphs");
    const pristine = await snapshot(root);
    const result = await runCli(["patch", "--verify", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/tag-buildparams\s+unpatched/);
    expect(await snapshot(root)).toEqual(pristine);
  });

  it("--dry-run prints a unified diff and writes nothing", async () => {
    const root = copyFixture("openclaw-two-graphs");
    const pristine = await snapshot(root);
    const result = await runCli(["patch", "--dry-run", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--- a/node_modules/@mariozechner/pi-ai/dist/providers/openai-completions.js");
    expect(result.stdout).toContain("+/*@clawmend tag-buildparams@1*/export function buildParams(model, context, options) {");
    expect(await snapshot(root)).toEqual(pristine);
  });

  it("--json prints one parseable document with per-file sites and keeps the exit code", async () => {
    const root = copyFixture("openclaw-two-graphs");
    const verify = await runCli(["patch", "--verify", "--json", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.stdout);
    expect(report.mode).toBe("verify");
    const piAi = report.copies.find((c: { package: string }) => c.package === "@mariozechner/pi-ai");
    expect(piAi.dir).toBe("node_modules/@mariozechner/pi-ai");
    expect(piAi.patches[0]).toMatchObject({
      patch: "tag-buildparams",
      status: "unpatched",
      siteCount: 1,
      files: [{ file: "dist/providers/openai-completions.js", sites: [{ line: 1, column: 0, what: "function buildParams" }] }],
    });
  });

  it("writes a deterministic manifest: same inputs, same digest", async () => {
    const a = copyFixture("openclaw-two-graphs");
    const b = copyFixture("openclaw-two-graphs");
    const ra = JSON.parse((await runCli(["patch", "--json", "--root", a, "--config", TAG_CONFIG], { cwd: a })).stdout);
    const rb = JSON.parse((await runCli(["patch", "--json", "--root", b, "--config", TAG_CONFIG], { cwd: b })).stdout);
    const manifest = (root: string) => readFileSync(join(root, "node_modules/@mariozechner/pi-ai/.clawmend/manifest.json"), "utf8");
    expect(manifest(a)).toBe(manifest(b));
    expect(ra.copies.map((c: { digest: string }) => c.digest)).toEqual(rb.copies.map((c: { digest: string }) => c.digest));
    expect(manifest(a)).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(manifest(a)).not.toContain(a);
  });

  it("re-derives a file changed after patching from its kept original", async () => {
    const root = copyFixture("openclaw-two-graphs");
    await runCli(["patch", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    const file = join(root, "node_modules/@mariozechner/pi-ai/dist/providers/openai-completions.js");
    const patched = readFileSync(file, "utf8");
    writeFileSync(file, `${patched}// hand edit\n`);
    const verify = await runCli(["patch", "--verify", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/tag-buildparams\s+drifted/);
    const repatch = await runCli(["patch", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(repatch.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(patched);
    expect((await runCli(["patch", "--verify", "--root", root, "--config", TAG_CONFIG], { cwd: root })).code).toBe(0);
  });

  it("treats a reinstalled (pristine again) file as unpatched and patches it again", async () => {
    const root = copyFixture("openclaw-two-graphs");
    await runCli(["patch", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    const file = join(root, "node_modules/@mariozechner/pi-ai/dist/providers/openai-completions.js");
    writeFileSync(
      file,
      readFileSync(join(FIXTURES, "openclaw-two-graphs/node_modules/@mariozechner/pi-ai/dist/providers/openai-completions.js")),
    );
    expect((await runCli(["patch", "--verify", "--root", root, "--config", TAG_CONFIG], { cwd: root })).code).toBe(1);
    expect((await runCli(["patch", "--root", root, "--config", TAG_CONFIG], { cwd: root })).code).toBe(0);
    expect((await runCli(["patch", "--verify", "--root", root, "--config", TAG_CONFIG], { cwd: root })).code).toBe(0);
  });
});

describe("built-in runtime overlay on fixtures", () => {
  it("imports the overlay first in both ESM entries without shifting a line, and the entry still runs", async () => {
    const root = copyFixture("openclaw-two-graphs");
    const result = await runCli(["patch", "--root", root, "--only", "runtime-overlay"], { cwd: root });
    expect(result.code).toBe(0);
    const entry = readFileSync(join(root, "dist/entry.js"), "utf8").split("\n");
    const original = readFileSync(join(FIXTURES, "openclaw-two-graphs/dist/entry.js"), "utf8").split("\n");
    expect(entry[0]).toBe("#!/usr/bin/env node");
    expect(entry[1]).toBe(`/*@clawmend runtime-overlay@3*/import "./clawmend-overlay.mjs";${original[1]}`);
    expect(entry.length).toBe(original.length);
    expect(existsSync(join(root, "dist/clawmend-overlay.mjs"))).toBe(true);
    expect(readFileSync(join(root, "dist/index.js"), "utf8")).toMatch(
      /^\/\*@clawmend runtime-overlay@3\*\/import "\.\/clawmend-overlay\.mjs";import \{ startGateway \}/,
    );
  });

  it("puts the require after the directive prologue of a CJS entry, keeping strict mode", async () => {
    const root = copyFixture("cjs-entry");
    const result = await runCli(["patch", "--root", root, "--only", "runtime-overlay"], { cwd: root });
    expect(result.code).toBe(0);
    const entry = readFileSync(join(root, "dist/entry.js"), "utf8");
    expect(entry.split("\n").slice(0, 2)).toEqual([
      "#!/usr/bin/env node",
      `"use strict";/*@clawmend runtime-overlay@3*/require("./clawmend-overlay.cjs");`,
    ]);
    expect(existsSync(join(root, "dist/clawmend-overlay.cjs"))).toBe(true);
  });
});

describe("bad input: a clear one-line error and nothing changed", () => {
  async function expectUnchanged(root: string, argv: string[], code: number, message: RegExp) {
    const before = await snapshot(root);
    const result = await runCli(argv, { cwd: root });
    expect(result.code).toBe(code);
    const errorLines = result.stderr.trim().split("\n");
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(message);
    expect(await snapshot(root)).toEqual(before);
    return result;
  }

  it("unknown config key names the file and the key path", async () => {
    const root = copyFixture("openclaw-two-graphs");
    await expectUnchanged(
      root,
      ["patch", "--root", root, "--config", join(CONFIGS, "unknown-key.config.ts")],
      2,
      /unknown-key\.config\.ts: vllm\.toolCalling\.parsr: unknown key/,
    );
  });

  it("invalid semver range names the key path and what was expected", async () => {
    const root = copyFixture("openclaw-two-graphs");
    await expectUnchanged(
      root,
      ["patch", "--root", root, "--config", join(CONFIGS, "bad-range.config.ts")],
      2,
      /bad-range\.config\.ts: patches\.0\.targets\.0\.range: a valid semver range/,
    );
  });

  it("missing config file", async () => {
    const root = copyFixture("openclaw-two-graphs");
    await expectUnchanged(root, ["patch", "--root", root, "--config", "nope.config.ts"], 2, /config file not found: .*nope\.config\.ts/);
  });

  it("missing root", async () => {
    const root = tempDir();
    await expectUnchanged(root, ["patch", "--root", join(root, "absent")], 2, /root not found: .*absent/);
  });

  it("unknown option and unknown patch id", async () => {
    const root = copyFixture("openclaw-two-graphs");
    await expectUnchanged(root, ["patch", "--root", root, "--verfy"], 2, /unknown option --verfy/);
    await expectUnchanged(root, ["patch", "--root", root, "--only", "nope"], 2, /unknown patch id "nope" \(known: /);
  });

  it("a syntax error in a target file refuses the run (exit 3) and writes nothing", async () => {
    const root = copyFixture("openclaw-two-graphs");
    writeFileSync(join(root, "dist/gateway-Xk29fQ1z.js"), "export function startGateway(port = {\n");
    const result = await expectUnchanged(
      root,
      ["patch", "--root", root, "--config", TAG_CONFIG],
      3,
      /tag-start-gateway on openclaw@2026\.2\.26 \(\.\): parse-error: dist\/gateway-Xk29fQ1z\.js: syntax error at 2:0/,
    );
    // The table shows where under the status.
    const row = result.stdout.split("\n").findIndex((line) => line.includes("parse-error"));
    expect(
      result.stdout
        .split("\n")
        .slice(row + 1, row + 5)
        .join("\n"),
    ).toMatchInlineSnapshot(`
      "      1 | export function startGateway(port = {
          > 2 |
              | ^
      @mariozechner/pi-ai@0.55.1 node_modules/@mariozechner/pi-ai"
    `);
  });

  it("zero matches for a required patch: missing-target, exit 3", async () => {
    const root = copyFixture("openclaw-two-graphs");
    writeFileSync(join(root, "dist/gateway-Xk29fQ1z.js"), "export function startServer() {}\n");
    await expectUnchanged(root, ["patch", "--root", root, "--config", TAG_CONFIG], 3, /tag-start-gateway .*missing-target/);
  });

  it("two matches where exactly one is required: ambiguous, exit 3, with both places", async () => {
    const root = copyFixture("openclaw-two-graphs");
    const file = join(root, "node_modules/@mariozechner/pi-ai/dist/providers/openai-completions.js");
    writeFileSync(join(root, "node_modules/@mariozechner/pi-ai/dist/copy.js"), readFileSync(file));
    await expectUnchanged(
      root,
      ["patch", "--root", root, "--config", TAG_CONFIG],
      3,
      /ambiguous: expected exactly one site, found 2: dist\/copy\.js:1, dist\/providers\/openai-completions\.js:1/,
    );
  });

  it("a read-only target file refuses the run (exit 3) and writes nothing", async () => {
    const root = copyFixture("openclaw-two-graphs");
    chmodSync(join(root, "dist/gateway-Xk29fQ1z.js"), 0o444);
    await expectUnchanged(
      root,
      ["patch", "--root", root, "--config", TAG_CONFIG],
      3,
      /gateway-Xk29fQ1z\.js is read-only \(mode 0444\): make it writable .*nothing was changed/,
    );
  });

  it("a refused run reports nothing as applied, in --json too", async () => {
    const root = copyFixture("openclaw-two-graphs");
    chmodSync(join(root, "dist/gateway-Xk29fQ1z.js"), 0o444);
    const result = await runCli(["patch", "--json", "--root", root, "--config", TAG_CONFIG], { cwd: root });
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report.summary.applied).toBe(0);
    expect(report.refused).toMatch(/read-only/);
    expect(report.changed).toEqual([]);
    expect(report.copies.flatMap((c: { patches: { status: string }[] }) => c.patches.map((p) => p.status))).not.toContain("applied");
  });

  it("a transform that is not idempotent is refused before anything is written", async () => {
    const root = copyFixture("openclaw-two-graphs");
    await expectUnchanged(root, ["patch", "--root", root, "--config", join(CONFIGS, "not-idempotent.config.ts")], 3, /not idempotent/);
  });
});

describe("--dry-run on minified one-line bundles", () => {
  it("shows the neighbourhood of each edit, not the whole line", async () => {
    const { windowLongLines } = await import("../../src/commands/patch.js");
    const before = `${"a".repeat(5000)}TARGET${"b".repeat(5000)}`;
    const after = `${"a".repeat(5000)}/*@clawmend x@1*/TARGET${"b".repeat(5000)}`;
    expect(windowLongLines([`-${before}`, `+${after}`])).toEqual([
      `-…(4920 chars) ${"a".repeat(80)}TARGET${"b".repeat(74)} …(4926 chars)`,
      `+…(4920 chars) ${"a".repeat(80)}/*@clawmend x@1*/TARGET${"b".repeat(74)} …(4926 chars)`,
    ]);
    expect(windowLongLines([" short context", "-x", "+y"])).toEqual([" short context", "-x", "+y"]);
  });
});

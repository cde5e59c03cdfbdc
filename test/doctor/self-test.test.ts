/**
 * `clawmend doctor --self-test` on a mini runtime (fixtures/doctor/openclaw-ai-runtime: an
 * openclaw whose provider package exports a chat-completions builder the way @openclaw/ai does)
 * and an OpenClaw home with two local providers: one on a gated port, one on an ungated one.
 * Both "servers" listen and count connections: the self-test must send nothing to either.
 * (The real 2026.2.26 and 2026.9.6 runtimes: test/real/doctor/self-test.test.ts.)
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { readOpenclawConfig } from "../../src/doctor/openclaw-config.js";
import { selfTest } from "../../src/doctor/self-test.js";
import type { HelperSelfTest } from "../../src/patches/builtin-patch.js";
import { builtinSelfTests } from "../../src/patches/builtins.js";
import { nodeRuntime } from "../../src/system/node.js";
import { runCli } from "../support/cli.js";
import { FIXTURES } from "../support/paths.js";
import { countingListeners } from "../support/ports.js";
import { tempDir } from "../support/tree.js";

const RUNTIME = join(FIXTURES, "doctor", "openclaw-ai-runtime");
const providers = countingListeners();

let gatedPort = 0;
let ungatedPort = 0;
beforeAll(async () => {
  gatedPort = await providers.listen();
  ungatedPort = await providers.listen();
});
afterAll(async () => {
  await providers.close();
});

function setup(openclawConfig: Record<string, unknown>) {
  const dir = tempDir();
  const runtime = join(dir, "runtime", "openclaw");
  cpSync(RUNTIME, runtime, { recursive: true });
  const home = join(dir, "home");
  mkdirSync(join(home, ".openclaw"), { recursive: true });
  writeFileSync(join(home, ".openclaw", "openclaw.json"), JSON.stringify(openclawConfig));
  // The clawmend config gates the first provider's port as the launcher's own.
  const config = join(dir, "patches.config.ts");
  writeFileSync(config, `export default { vllm: { launcher: { port: ${gatedPort} } } };\n`);
  const env = { HOME: home, PATH: dirname(process.execPath) };
  const doctor = (...args: string[]) =>
    runCli(["doctor", "--root", runtime, "--unit-dir", join(dir, "no-units"), "--config", config, ...args], {
      cwd: dir,
      env,
      exactEnv: true,
    });
  const patch = () => runCli(["patch", "--root", runtime, "--config", config], { cwd: dir });
  return { runtime, home, doctor, patch };
}

const provider = (port: number, model: string, compat?: Record<string, unknown>) => ({
  baseUrl: `http://127.0.0.1:${port}/v1`,
  apiKey: "sk-never-printed",
  api: "openai-completions",
  models: [{ id: model, name: model, ...(compat ? { compat } : {}) }],
});
const twoProviders = () => ({ models: { providers: { vllm: provider(gatedPort, "qwen"), "lab-box": provider(ungatedPort, "llama") } } });

describe("doctor --self-test (fixture runtime)", () => {
  it("pristine: both local providers would receive tools; exit 1 naming each with its fix; the guard is missing; nothing sent", async () => {
    const s = setup(twoProviders());
    const r = await s.doctor("--self-test", "--json");
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const test = doc.launches.find((l: { source: string }) => l.source === "root").selfTest;
    expect(
      test.providers.map((p: { id: string; gated: string | null; toolsReachWire: boolean }) => [p.id, p.gated, p.toolsReachWire]),
    ).toEqual([
      ["vllm", "provider id", true],
      ["lab-box", null, true],
    ]);
    const problems = doc.findings.filter((f: { severity: string }) => f.severity === "problem").map((f: { message: string }) => f.message);
    expect(problems.find((m: string) => m.includes("provider vllm"))).toMatch(/is not gated: run clawmend patch --root /);
    expect(problems.find((m: string) => m.includes("provider lab-box"))).toContain(
      `add "http://127.0.0.1:${ungatedPort}" to vllm.endpoints`,
    );
    expect(problems.find((m: string) => m.includes("provider lab-box"))).toContain("compat.supportsTools: false");
    expect(problems.some((m: string) => /os\.networkInterfaces\(\) is not guarded/.test(m))).toBe(true);
    expect(r.stdout).not.toContain("sk-never-printed");
    expect(providers.connections()).toBe(0);
  });

  it("patched: the gated provider gets no tools; the one on an ungated port still does, and the overlay learns from the refusal (exit 0, a note); modules load, the guard holds", async () => {
    const s = setup(twoProviders());
    expect((await s.patch()).code).toBe(0);
    const r = await s.doctor("--self-test", "--json");
    expect(r.code, r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout);
    const test = doc.launches[0].selfTest;
    expect(test.modules.map((m: { entry: string; specifier: string; ok: boolean }) => [m.entry, m.specifier, m.ok])).toEqual([
      ["dist/entry.js", "./clawmend-overlay.mjs", true],
      ["dist/index.js", "./clawmend-overlay.mjs", true],
      ["openclaw.mjs", "./dist/clawmend-overlay.mjs", true],
    ]);
    expect(test.guard).toMatchObject({ processWide: {}, processWideLogged: 1 });
    expect(test.guard.helpers).toEqual([{ id: "network-interfaces-guard", file: "dist/tailnet-Hx7d2kLm.mjs", value: {}, ok: true }]);
    const [vllm, lab] = test.providers;
    expect(vllm).toMatchObject({ id: "vllm", gated: "provider id", toolsReachWire: false, learnsFromServer: false, problem: null });
    expect(vllm.built).toMatchObject({ hasTools: false, hasToolChoice: false });
    expect(lab).toMatchObject({ id: "lab-box", gated: null, toolsReachWire: true, learnsFromServer: true, problem: null });
    expect(lab.note).toContain("learns from the server (one refused request per process)");
    expect(lab.note).toContain(`add "http://127.0.0.1:${ungatedPort}" to vllm.endpoints`);
    expect(providers.connections()).toBe(0);
  });

  it("pristine: the ungated provider does not learn (no overlay): a problem, not a note", async () => {
    const s = setup(twoProviders());
    const r = await s.doctor("--self-test", "--json");
    const lab = JSON.parse(r.stdout).launches[0].selfTest.providers[1];
    expect(lab).toMatchObject({ id: "lab-box", learnsFromServer: false, note: null });
    expect(lab.problem).toContain("no overlay learns from the server's refusal");
  });

  it("patched, and OpenClaw's own switch on the second provider: all well (exit 0)", async () => {
    const s = setup({
      models: { providers: { vllm: provider(gatedPort, "qwen"), "lab-box": provider(ungatedPort, "llama", { supportsTools: false }) } },
    });
    expect((await s.patch()).code).toBe(0);
    const r = await s.doctor("--self-test");
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/lab-box .* no tools on the wire \(not gated\)/);
    expect(r.stdout).toContain("compat.supportsTools: false (OpenClaw's own switch: OpenClaw strips the tool fields before sending)");
    expect(r.stdout).toMatch(/^ {2}helper network-interfaces-guard in dist\/\S+: returns \{\}$/m);
    expect(providers.connections()).toBe(0);
  });

  it("a Node the runtime cannot run on: a problem naming the version found and the one needed", async () => {
    const s = setup(twoProviders());
    const pkg = join(s.runtime, "package.json");
    writeFileSync(pkg, JSON.stringify({ name: "openclaw", version: "2026.9.6", engines: { node: ">=99" } }));
    const r = await s.doctor();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `--root would not start: ${process.execPath} is Node v${process.versions.node}, but openclaw 2026.9.6 needs node >=99`,
    );
  });

  it("every built-in's helper check is reported by patch id, each judged on its own", async () => {
    const s = setup(twoProviders());
    expect((await s.patch()).code).toBe(0);
    const guard = builtinSelfTests().find((c) => c.id === "network-interfaces-guard")!;
    // A second check: the guard's helper looked for in a file the overlay edited, where there is none.
    const second: HelperSelfTest = { ...guard, id: "runtime-overlay", what: "the second check", fails: "fails", noun: "second helper" };
    const report = selfTest({
      runtimeDir: s.runtime,
      openclawVersion: "2026.9.6",
      node: nodeRuntime(process.execPath),
      provider: null,
      env: {},
      config: { file: null, digest: null, settings: defaultSettings(), patches: [] },
      openclawConfig: readOpenclawConfig({ HOME: s.home }, s.home),
      helperChecks: [guard, second],
    });
    expect(report.guard?.helpers.map((h) => [h.id, h.ok, h.value, h.error ?? null])).toEqual([
      ["network-interfaces-guard", true, {}, null],
      ["runtime-overlay", false, null, `no second helper in ${report.guard!.helpers[1]!.file}`],
    ]);
    expect(report.problems.filter((p) => p.startsWith("the second check"))).toEqual([
      `the second check in ${report.guard!.helpers[1]!.file} fails (no second helper in ${report.guard!.helpers[1]!.file})`,
    ]);
    expect(report.problems.some((p) => p.startsWith("the network guard"))).toBe(false);
  });
});

/**
 * `clawmend doctor --self-test` on the real runtimes, found the way an operator's host has them:
 * through the gateway unit's `ExecStart=` (`<node> <copy>/dist/index.js gateway --port 18789`).
 * The OpenClaw home has two local providers: `gpu-vllm` on the port clawmend's launcher setting
 * names (gated with no endpoint listed) and `lab-box` on another port (not gated). Both ports
 * listen and count connections: the self-test must send nothing to either.
 *
 * Starting state: a fresh copy of the `--ignore-scripts` install that no OpenClaw command has run;
 * the doctor runs none either (2026.9.6's pending lifecycle is still pending afterwards).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin } from "../../support/cli.js";
import type { NodeMajor } from "../../support/node-runtime.js";
import { openclawCopy } from "../../support/openclaw-agent.js";
import { countingListeners } from "../../support/ports.js";
import { removeCopy } from "../../support/real-packages.js";

const MIN = 60_000;

interface Case {
  version: string;
  major: NodeMajor;
  /** The provider package the runtime resolves, as the self-test names its driver. */
  driver: RegExp;
  pendingLifecycle: boolean;
  /** Whether OpenClaw's own `compat.supportsTools: false` works on this version (else its schema rejects it). */
  switchWorks: boolean;
}

const CASES: Case[] = [
  { version: "2026.2.26", major: 22, driver: /pi-ai dist\/providers\/openai-completions\.js/, pendingLifecycle: false, switchWorks: false },
  {
    version: "2026.9.6",
    major: 26,
    driver: /@openclaw\/ai\/transports buildOpenAICompletionsParams/,
    pendingLifecycle: true,
    switchWorks: true,
  },
];

interface Finding {
  severity: string;
  message: string;
}
interface ProviderVerdict {
  id: string;
  gated: string | null;
  toolsReachWire: boolean | null;
  learnsFromServer: boolean;
  note: string | null;
  driver: string;
  problem: string | null;
}
interface SelfTest {
  node: { version: string; path: string };
  modules: Array<{ entry: string; ok: boolean }>;
  guard: {
    processWide: unknown;
    processWideLogged: number;
    helpers: Array<{ id: string; file: string; value: unknown; ok: boolean }>;
  } | null;
  providers: ProviderVerdict[];
}

describe.each(CASES)("doctor --self-test on openclaw $version (Node $major), found through the gateway unit", (c) => {
  let node = "";
  let copy = "";
  let work = "";
  const providers = countingListeners();
  const ports = { gated: 0, ungated: 0 };
  const provider = (port: number, model: string, compat?: Record<string, unknown>) => ({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey: "sk-never-printed",
    api: "openai-completions",
    models: [{ id: model, name: model, ...(compat ? { compat } : {}) }],
  });
  const writeOpenclawConfig = (labCompat?: Record<string, unknown>) =>
    writeFileSync(
      path.join(work, "home", ".openclaw", "openclaw.json"),
      JSON.stringify({
        agents: { defaults: { model: { primary: "gpu-vllm/qwen" } } },
        models: { providers: { "gpu-vllm": provider(ports.gated, "qwen"), "lab-box": provider(ports.ungated, "llama", labCompat) } },
      }),
    );
  const writeUnit = (execNode: string) =>
    writeFileSync(
      path.join(work, "units", "openclaw-gateway.service"),
      `[Service]\nExecStart=${execNode} ${copy}/dist/index.js gateway --port 18789\n`,
    );
  const config = () => path.join(work, "patches.config.ts");
  const doctor = async () => {
    const r = await runBin(["doctor", "--self-test", "--json", "--unit-dir", path.join(work, "units"), "--config", config()], {
      cwd: work,
      env: { HOME: path.join(work, "home"), PATH: "/usr/bin:/bin" },
    });
    const doc = JSON.parse(r.stdout) as { findings: Finding[]; launches: Array<{ source: string; selfTest?: SelfTest }> };
    const problems = doc.findings.filter((f) => f.severity === "problem").map((f) => f.message);
    return { code: r.code, stdout: r.stdout, problems, selfTest: doc.launches.find((l) => l.source === "service")?.selfTest };
  };

  beforeAll(async () => {
    ({ node, copy } = await openclawCopy(c.version, c.major));
    work = await mkdtemp(path.join(os.tmpdir(), "clawmend-self-test-real-"));
    mkdirSync(path.join(work, "home", ".openclaw"), { recursive: true });
    mkdirSync(path.join(work, "units"));
    ports.gated = await providers.listen();
    ports.ungated = await providers.listen();
    writeFileSync(config(), `export default { vllm: { launcher: { port: ${ports.gated} } } };\n`);
    writeOpenclawConfig();
    writeUnit(node);
  }, 60 * MIN);
  afterAll(async () => {
    await providers.close();
    if (copy) await removeCopy(copy);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(
    "pristine: both providers would get tools (exit 1, each named with its evidence and fix); the guard is missing; nothing sent",
    async () => {
      const r = await doctor();
      expect(r.code, r.stdout).toBe(1);
      expect(r.selfTest!.node.version.split(".")[0]).toBe(String(c.major));
      expect(r.selfTest!.providers.map((p) => [p.id, p.gated, p.toolsReachWire, p.learnsFromServer])).toEqual([
        ["gpu-vllm", "endpoint", true, false],
        ["lab-box", null, true, false],
      ]);
      for (const p of r.selfTest!.providers) expect(p.driver).toMatch(c.driver);
      const gpu = r.problems.find((m) => m.includes("provider gpu-vllm"))!;
      expect(gpu).toContain(`Node v${r.selfTest!.node.version} at ${node}`);
      expect(gpu).toMatch(/is not gated: run clawmend patch --root /);
      expect(r.problems.find((m) => m.includes("provider lab-box"))).toContain(`add "http://127.0.0.1:${ports.ungated}" to vllm.endpoints`);
      expect(r.problems.some((m) => /os\.networkInterfaces\(\) is not guarded/.test(m))).toBe(true);
      expect(r.stdout).not.toContain("sk-never-printed");
      expect(providers.connections()).toBe(0);
      expect(existsSync(path.join(copy, ".openclaw-lifecycle-pending"))).toBe(c.pendingLifecycle);
    },
    10 * MIN,
  );

  it(
    "patched: the provider on the launcher's port gets no tools; the other still does, and the overlay learns from the server's refusal (exit 0, a note with the config line that skips it); modules load, the guard holds",
    async () => {
      const patched = await runBin(["patch", "--root", copy, "--config", config()], { cwd: work });
      expect(patched.code, patched.stdout + patched.stderr).toBe(0);
      const r = await doctor();
      expect(r.code, r.stdout).toBe(0);
      const test = r.selfTest!;
      expect(test.modules.length).toBeGreaterThan(0);
      expect(test.modules.filter((m) => !m.ok)).toEqual([]);
      expect(test.guard).toMatchObject({ processWide: {}, processWideLogged: 1 });
      // each built-in's helper check, by patch id: the network guard's, cut out of a chunk it guarded
      expect(test.guard!.helpers.map((h) => [h.id, h.value, h.ok])).toEqual([["network-interfaces-guard", {}, true]]);
      expect(test.providers.map((p) => [p.id, p.gated, p.toolsReachWire, p.learnsFromServer])).toEqual([
        ["gpu-vllm", "endpoint", false, false],
        ["lab-box", null, true, true],
      ]);
      expect(r.problems).toEqual([]);
      const lab = test.providers.find((p) => p.id === "lab-box")!;
      expect(lab.note).toContain("learns from the server (one refused request per process)");
      expect(lab.note).toContain(`add "http://127.0.0.1:${ports.ungated}" to vllm.endpoints`);
      expect(providers.connections()).toBe(0);
    },
    10 * MIN,
  );

  it(
    c.switchWorks
      ? "OpenClaw's own switch on the ungated provider: all well (exit 0)"
      : "OpenClaw's own switch on the ungated provider: this version's schema refuses it (exit 1, says so)",
    async () => {
      writeOpenclawConfig({ supportsTools: false });
      try {
        const r = await doctor();
        if (c.switchWorks) {
          expect(r.code, r.stdout).toBe(0);
          expect(r.selfTest!.providers.find((p) => p.id === "lab-box")).toMatchObject({ toolsReachWire: false, problem: null });
        } else {
          expect(r.code, r.stdout).toBe(1);
          expect(r.problems.find((m) => m.includes("provider lab-box"))).toContain(
            "compat.supportsTools is an unknown key under this version's strict config schema: OpenClaw refuses the config",
          );
        }
        expect(providers.connections()).toBe(0);
      } finally {
        writeOpenclawConfig();
      }
    },
    10 * MIN,
  );

  it(
    "a unit whose Node is too old for this openclaw: a problem naming both versions",
    async () => {
      // A Node older than any openclaw accepts (the test runner's own may be new enough).
      mkdirSync(path.join(work, "old-node"), { recursive: true });
      const oldNode = path.join(work, "old-node", "node");
      writeFileSync(oldNode, "#!/bin/sh\necho v20.11.0\n", { mode: 0o755 });
      writeUnit(oldNode);
      try {
        const r = await doctor();
        expect(r.code).toBe(1);
        expect(r.problems.join("\n")).toMatch(
          new RegExp(`${oldNode.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is Node v20\\.11\\.0, but openclaw ${c.version} needs node >=`),
        );
      } finally {
        writeUnit(node);
      }
    },
    10 * MIN,
  );
});

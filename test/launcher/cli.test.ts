import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "./helpers.js";

async function run(cwd: string, ...argv: string[]) {
  const r = await runCli(["launcher", ...argv], { cwd, env: { HOME: cwd }, exactEnv: true });
  return { code: r.code, out: r.stdout.replace(/\n$/, ""), err: r.stderr.split("\n").filter(Boolean) };
}

/** An OpenClaw runtime the drop-in can run: an openclaw package whose engines this Node satisfies (or not). */
function runtime(dir: string, engines = ">=20"): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "openclaw", version: "2026.2.26", engines: { node: engines } }));
  return dir;
}

describe("clawmend launcher (CLI)", () => {
  it("writes the five files and describes them with --json", async () => {
    const cwd = tempDir();
    runtime(join(cwd, "rt"));
    const r = await run(cwd, "--out", "gen", "--model", "org/model", "--runtime", "rt", "--json");
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.out).toBe(join(cwd, "gen"));
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual([
      "vllm-launch.sh",
      "openclaw-vllm.service",
      "openclaw-gateway.service.d/override.conf",
      "openclaw",
      "INSTALL.md",
    ]);
    expect(doc.files.map((f: { mode: string }) => f.mode)).toEqual(["0755", "0644", "0644", "0755", "0644"]);
    expect(doc.files.every((f: { status: string }) => f.status === "written")).toBe(true);
    for (const f of doc.files) {
      expect(statSync(f.absolutePath).mode & 0o777).toBe(parseInt(f.mode, 8));
      expect(readFileSync(f.absolutePath).length).toBe(f.bytes);
    }
    expect(doc.vllm).toMatchObject({ model: "org/model", host: "127.0.0.1", port: 8001, toolCalling: { enabled: false } });
    expect(doc.vllm.baseUrl).toBe("http://127.0.0.1:8001/v1");
    expect(doc.gateway).toMatchObject({
      runtimeDir: join(cwd, "rt"),
      openclaw: "2026.2.26",
      args: ["gateway", "--port", "18789"],
      nodeVersion: process.versions.node,
      env: { OPENCLAW_VLLM_TOOLCALL: "0" },
      heal: "in-place",
      mirrorDir: null,
    });
    const dropIn = readFileSync(join(cwd, "gen/openclaw-gateway.service.d/override.conf"), "utf8");
    expect(dropIn).toContain(`ExecStart=\nExecStart=${process.execPath} ${join(cwd, "rt/dist/index.js")} gateway --port 18789\n`);
    expect(dropIn).toMatch(/\nExecCondition=\S+ \S+\/bin\/clawmend\.js heal --runtime \S+\/rt\n/);
    expect(dropIn).not.toContain("ExecStartPre=");
    const wrapper = readFileSync(join(cwd, "gen/openclaw"), "utf8");
    expect(wrapper).toContain(`\nexec '${process.execPath}' '${join(cwd, "rt/openclaw.mjs")}' "$@"\n`);
    expect(wrapper).toMatch(/\n'\S+' '\S+\/bin\/clawmend\.js' 'heal' '--quiet' '--runtime' '\S+\/rt'\n/);
    const unit = readFileSync(join(cwd, "gen/openclaw-vllm.service"), "utf8");
    expect(unit).toContain(`ExecStart=${join(cwd, "gen/vllm-launch.sh")}\n`);
    for (const line of [
      "StartLimitIntervalSec=60",
      "StartLimitBurst=3",
      "Restart=on-failure",
      "RestartSec=10",
      "RestartPreventExitStatus=78",
      "KillMode=control-group",
      "WantedBy=default.target",
    ]) {
      expect(unit).toContain(`${line}\n`);
    }
  });

  it("a second run with the same inputs writes nothing new and gives the same bytes", async () => {
    const cwd = tempDir();
    const args = ["--out", "gen", "--model", "/m", "--runtime", runtime(join(cwd, "rt")), "--json"];
    const first = JSON.parse((await run(cwd, ...args)).out);
    const second = JSON.parse((await run(cwd, ...args)).out);
    expect(second.files.map((f: { status: string }) => f.status)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(second.files.map((f: { sha256: string }) => f.sha256)).toEqual(first.files.map((f: { sha256: string }) => f.sha256));
  });

  it("reads the config's vllm section; flags override it", async () => {
    const cwd = tempDir();
    const rt = runtime(join(cwd, "rt"));
    writeFileSync(
      join(cwd, "patches.config.ts"),
      `export default { vllm: { toolCalling: { enabled: true, parser: "mistral" }, launcher: { model: "/models/from-config", runtimeDir: ${JSON.stringify(rt)}, port: 9001, extraArgs: ["--enforce-eager"], startLimitBurst: 5 } } };\n`,
    );
    const fromConfig = JSON.parse((await run(cwd, "--out", "a", "--json")).out);
    expect(fromConfig.config).toBe(join(cwd, "patches.config.ts"));
    expect(fromConfig.vllm.args).toEqual([
      "--host",
      "127.0.0.1",
      "--port",
      "9001",
      "--gpu-memory-utilization",
      "0.9",
      "--tensor-parallel-size",
      "1",
      "--enable-auto-tool-choice",
      "--tool-call-parser",
      "mistral",
      "--enforce-eager",
    ]);
    expect(readFileSync(join(cwd, "a/openclaw-vllm.service"), "utf8")).toContain("StartLimitBurst=5\n");
    // the gateway's verify step checks with the same config
    expect(readFileSync(join(cwd, "a/openclaw-gateway.service.d/override.conf"), "utf8")).toMatch(
      new RegExp(`heal --runtime ${rt} --config ${join(cwd, "patches.config.ts")}\n`),
    );
    expect(readFileSync(join(cwd, "a/openclaw-gateway.service.d/override.conf"), "utf8")).toContain(
      "Environment=OPENCLAW_VLLM_TOOLCALL=1\n",
    );

    const r = await run(
      cwd,
      "--out",
      "b",
      "--json",
      "--port",
      "9002",
      "--no-tool-calling",
      "--model",
      "1e3",
      "--served-model-name=0x10",
      "--extra-arg=--seed=7",
      "--extra-arg",
      "007",
      "--gpu-memory-utilization",
      ".85",
      "--max-model-len",
      "4096",
      "--tensor-parallel-size",
      "2",
      "--host",
      "0.0.0.0",
      "--python",
      "/opt/venv/bin/python",
    );
    expect(r.err).toEqual([]);
    const doc = JSON.parse(r.out);
    // values arrive verbatim: no numeric coercion of "1e3", "0x10" or "007"
    expect(doc.vllm.model).toBe("1e3");
    expect(doc.vllm.toolCalling).toEqual({ enabled: false, parser: "mistral" });
    expect(doc.vllm.args).toEqual([
      "--host",
      "0.0.0.0",
      "--port",
      "9002",
      "--served-model-name",
      "0x10",
      "--gpu-memory-utilization",
      "0.85",
      "--tensor-parallel-size",
      "2",
      "--max-model-len",
      "4096",
      "--seed=7",
      "007",
    ]);
    expect(doc.vllm.python).toBe("/opt/venv/bin/python");
    expect(readFileSync(join(cwd, "b/openclaw-gateway.service.d/override.conf"), "utf8")).toContain(
      "Environment=OPENCLAW_VLLM_TOOLCALL=0\n",
    );
    const parser = JSON.parse((await run(cwd, "--out", "c", "--json", "--tool-call-parser", "hermes")).out);
    expect(parser.vllm.toolCalling).toEqual({ enabled: true, parser: "hermes" });
  });

  it("prints a short human summary without --json", async () => {
    const cwd = tempDir();
    const r = await run(cwd, "--out", "gen", "--model", "/m", "--runtime", runtime(join(cwd, "rt")));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote     ${join(cwd, "gen/vllm-launch.sh")}`);
    expect(r.out).toContain("tool calling off");
    expect(r.out).toContain(`gateway: openclaw 2026.2.26 at ${join(cwd, "rt")}, Node ${process.versions.node}`);
  });

  const usageErrors: Array<[string, string[], RegExp]> = [
    ["a missing model", ["--out", "o", "--runtime", "/rt"], /no model: pass --model M or set vllm\.launcher\.model/],
    ["a missing --out", ["--model", "/m", "--runtime", "/rt"], /--out DIR is required/],
    [
      "a --runtime that is not an openclaw package",
      ["--out", "o", "--model", "/m", "--runtime", "/nonexistent/openclaw"],
      /--runtime \/nonexistent\/openclaw: not an openclaw package \(no readable package\.json\)/,
    ],
    ["a bad port", ["--out", "o", "--model", "/m", "--runtime", "/rt", "--port", "80a"], /--port must be a whole number/],
    [
      "a port out of range",
      ["--out", "o", "--model", "/m", "--runtime", "/rt", "--port", "70000"],
      /port must be an integer in 1\.\.65535/,
    ],
    ["a bad utilization", ["--out", "o", "--model", "/m", "--runtime", "/rt", "--gpu-memory-utilization", "1.5"], /\(0, 1\]/],
    ["a managed flag in --extra-arg", ["--out", "o", "--model", "/m", "--runtime", "/rt", "--extra-arg=--port=1"], /use --port instead/],
    [
      "a value that starts with - (use --extra-arg=--x)",
      ["--out", "o", "--model", "/m", "--runtime", "/rt", "--extra-arg", "--x"],
      /unknown option --x/,
    ],
    ["a flag without its value", ["--out", "o", "--runtime", "/rt", "--model"], /--model.*missing|--model needs a value/],
    ["a missing --config file", ["--out", "o", "--model", "/m", "--runtime", "/rt", "--config", "nope.ts"], /config file not found/],
    ["an out dir systemd cannot run from", ["--out", "it's", "--model", "/m", "--runtime", "/rt"], /quote or a backslash/],
  ];
  for (const [what, argv, message] of usageErrors) {
    it(`exits 2 with one line for ${what}, writing nothing`, async () => {
      const cwd = tempDir();
      const r = await run(cwd, ...argv, "--json");
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/^clawmend: /);
      expect(r.err[0]).toMatch(message);
      expect(r.out).toBe("");
      expect(readdirSync(cwd)).toEqual([]);
    });
  }

  it("refuses to half-write: a target that is a directory stops everything before any write", async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, "gen/INSTALL.md"), { recursive: true });
    const r = await run(cwd, "--out", "gen", "--model", "/m");
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/refusing to replace .*INSTALL\.md: not a regular file/);
    expect(readdirSync(join(cwd, "gen"))).toEqual(["INSTALL.md"]);
  });

  it("without --runtime: the vLLM launcher, its unit and INSTALL.md, no drop-in, and it says so", async () => {
    const cwd = tempDir();
    const r = await run(cwd, "--out", "gen", "--model", "org/model");
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(readdirSync(join(cwd, "gen")).sort()).toEqual(["INSTALL.md", "openclaw-vllm.service", "vllm-launch.sh"]);
    expect(r.out).toContain("gateway: no drop-in written (no --runtime)");
    expect(readFileSync(join(cwd, "gen/INSTALL.md"), "utf8")).toContain("No gateway drop-in was written");
  });

  it("a Node the runtime cannot run on: exit 2 naming both versions, nothing written", async () => {
    const cwd = tempDir();
    const rt = runtime(join(cwd, "rt"), ">=99.0.0");
    const r = await run(cwd, "--out", "gen", "--model", "/m", "--runtime", rt);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([
      `clawmend: the gateway drop-in would fail to start: ${process.execPath} is Node v${process.versions.node}, but openclaw 2026.2.26 needs node >=99.0.0; pass --node PATH to a Node that satisfies it`,
    ]);
    expect(readdirSync(cwd)).toEqual(["rt"]);
  });

  it("keeps the gateway arguments of the operator's own unit", async () => {
    const cwd = tempDir();
    const rt = runtime(join(cwd, "rt"));
    mkdirSync(join(cwd, "units"));
    writeFileSync(
      join(cwd, "units/openclaw-gateway.service"),
      "[Service]\nExecStart=/usr/bin/node /usr/lib/node_modules/openclaw/dist/index.js gateway --port 18790 --bind loopback\n",
    );
    const r = await run(cwd, "--out", "gen", "--model", "/m", "--runtime", rt, "--unit-dir", join(cwd, "units"));
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(readFileSync(join(cwd, "gen/openclaw-gateway.service.d/override.conf"), "utf8")).toContain(
      `ExecStart=${process.execPath} ${join(rt, "dist/index.js")} gateway --port 18790 --bind loopback\n`,
    );
  });

  it("--heal mirror: the unit heals and runs a patched mirror in the user's state dir; the wrapper runs the same", async () => {
    const cwd = tempDir();
    const rt = runtime(join(cwd, "rt"));
    const r = await run(cwd, "--out", "gen", "--model", "/m", "--runtime", rt, "--heal", "mirror", "--json");
    expect(r.code, r.err.join("\n")).toBe(0);
    const mirror = join(cwd, ".local/state/clawmend/openclaw");
    expect(JSON.parse(r.out).gateway).toMatchObject({ heal: "mirror", mirrorDir: mirror, runtimeDir: rt });
    const dropIn = readFileSync(join(cwd, "gen/openclaw-gateway.service.d/override.conf"), "utf8");
    expect(dropIn).toContain(`\nExecCondition=${process.execPath} `);
    expect(dropIn).toMatch(new RegExp(`clawmend\\.js heal --runtime ${rt} --mirror ${mirror}\\n`));
    expect(dropIn).toContain(`ExecStart=\nExecStart=${process.execPath} ${mirror}/dist/index.js gateway --port 18789\n`);
    expect(dropIn).toContain("TimeoutStartSec=15min\n");
    const wrapper = readFileSync(join(cwd, "gen/openclaw"), "utf8");
    expect(wrapper).toContain(`\n# clawmend-runtime: ${mirror}\n`);
    expect(wrapper).toContain(`'--mirror' '${mirror}'`);
    expect(wrapper).toContain(`exec '${process.execPath}' '${mirror}/openclaw.mjs' "$@"`);
    const install = readFileSync(join(cwd, "gen/INSTALL.md"), "utf8");
    expect(install).toContain("**Mirror mode.**");
    expect(install).toContain("install -m 0755 ");
  });

  it("--mirror-dir names the mirror; bad --heal values are refused before anything is written", async () => {
    const cwd = tempDir();
    const rt = runtime(join(cwd, "rt"));
    const ok = await run(cwd, "--out", "gen", "--model", "/m", "--runtime", rt, "--heal", "mirror", "--mirror-dir", "m/oc", "--json");
    expect(JSON.parse(ok.out).gateway.mirrorDir).toBe(join(cwd, "m/oc"));
    for (const [args, message] of [
      [["--heal", "sometimes"], 'clawmend: --heal must be in-place, mirror or auto, got "sometimes"'],
      [["--heal", "in-place", "--mirror-dir", "x"], "clawmend: --mirror-dir goes with --heal mirror (or auto), not in-place"],
    ] as const) {
      const bad = await run(cwd, "--out", "bad", "--model", "/m", "--runtime", rt, ...args);
      expect(bad.code).toBe(2);
      expect(bad.err).toEqual([message]);
    }
    expect(readdirSync(cwd).sort()).toEqual(["gen", "rt"]);
  });

  it("INSTALL.md shows the OpenClaw provider block for the server it launches", async () => {
    const cwd = tempDir();
    expect(
      (await run(cwd, "--out", "gen", "--model", "/models/qwen", "--served-model-name", "qwen", "--host", "0.0.0.0", "--port", "9000"))
        .code,
    ).toBe(0);
    const install = readFileSync(join(cwd, "gen/INSTALL.md"), "utf8");
    const block = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(install)![1]!);
    expect(block.models.providers.vllm).toMatchObject({
      baseUrl: "http://127.0.0.1:9000/v1",
      api: "openai-completions",
      models: [{ id: "qwen" }],
    });
    expect(block.agents.defaults.model.primary).toBe("vllm/qwen");
  });

  it("--help exits 0", async () => {
    const cwd = tempDir();
    expect((await run(cwd, "--help")).code).toBe(0);
  });
});

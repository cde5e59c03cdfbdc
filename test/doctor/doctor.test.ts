import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveProviderCopy, resolveExecStart } from "../../src/doctor/runtime.js";
import { effectiveExecStart, readUnitFiles, splitCommand, splitSystemctlCat, expandSpecifiers } from "../../src/system/systemd.js";
import { v1Base } from "../../src/doctor/vllm-probe.js";
import { startVllmLikeServer, type VllmLikeServer } from "../support/vllm-server.js";
import { makeOpenclawFixture } from "../support/openclaw-fixture.js";
import { runCli } from "../support/cli.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function work(): string {
  const dir = mkdtempSync(join(tmpdir(), "clawmend-doctor-"));
  made.push(dir);
  return dir;
}
function write(path: string, text: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}
/** An environment with only this PATH (no systemctl, no openclaw unless put there). */
function envWith(path: string): NodeJS.ProcessEnv {
  return { PATH: path, HOME: join(path, "home") };
}

describe("unit files", () => {
  it("last ExecStart wins after an empty reset; drop-ins sorted, higher-priority dir masks the same name", () => {
    const dir = work();
    const high = join(dir, "high");
    const low = join(dir, "low");
    write(
      join(low, "openclaw-gateway.service"),
      "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/node /usr/lib/node_modules/openclaw/dist/index.js gateway\n",
    );
    write(
      join(low, "openclaw-gateway.service.d", "10-runtime.conf"),
      "[Service]\nExecStart=\nExecStart=/usr/bin/node /low/dist/index.js\n",
    );
    write(
      join(high, "openclaw-gateway.service.d", "10-runtime.conf"),
      "[Service]\nExecStart=\nExecStart=/usr/bin/node %h/rt/openclaw/dist/index.js \\\n  gateway --port 18789\n",
    );
    write(join(low, "openclaw-gateway.service.d", "05-env.conf"), "[Service]\nEnvironment=OPENCLAW_VLLM_TOOLCALL=0\n");
    const files = readUnitFiles("openclaw-gateway.service", [high, low]);
    expect(files.map((f) => f.path)).toEqual([
      join(low, "openclaw-gateway.service"),
      join(low, "openclaw-gateway.service.d", "05-env.conf"),
      join(high, "openclaw-gateway.service.d", "10-runtime.conf"),
    ]);
    const exec = effectiveExecStart(files)!;
    expect(expandSpecifiers(exec.value, { HOME: "/home/op" })).toBe(
      "/usr/bin/node /home/op/rt/openclaw/dist/index.js    gateway --port 18789",
    );
    expect(effectiveExecStart([{ path: "a", text: "[Service]\nExecStart=/bin/x\nExecStart=\n" }])).toBeNull();
    expect(effectiveExecStart([{ path: "a", text: "[Install]\nExecStart=/bin/x\n" }])).toBeNull();
  });

  it("splits commands like systemd and reads systemctl cat output", () => {
    expect(splitCommand(`-/usr/bin/node "/opt/my runtime/dist/index.js" gateway`)).toEqual([
      "/usr/bin/node",
      "/opt/my runtime/dist/index.js",
      "gateway",
    ]);
    expect(splitCommand(`/bin/sh -c 'exec node /x/dist/index.js gateway'`)).toEqual([
      "/bin/sh",
      "-c",
      "exec node /x/dist/index.js gateway",
    ]);
    const files = splitSystemctlCat(
      "# /home/u/.config/systemd/user/openclaw-gateway.service\n[Service]\nExecStart=/a\n\n# /home/u/.config/systemd/user/openclaw-gateway.service.d/override.conf\n[Service]\nExecStart=\nExecStart=/b\n",
    );
    expect(files).toHaveLength(2);
    expect(effectiveExecStart(files)?.value).toBe("/b");
  });

  it("finds the openclaw package an ExecStart runs (node SCRIPT, the bin, sh -c)", () => {
    const dir = work();
    const rt = makeOpenclawFixture(join(dir, "rt"));
    mkdirSync(join(dir, "bin"));
    symlinkSync(join(rt, "openclaw.mjs"), join(dir, "bin", "openclaw"));
    expect(resolveExecStart(`/usr/bin/node ${rt}/dist/index.js gateway`, {})?.packageDir).toBe(rt);
    expect(resolveExecStart(`${dir}/bin/openclaw gateway`, {})?.packageDir).toBe(rt);
    expect(resolveExecStart(`/bin/sh -c "exec /usr/bin/node ${rt}/dist/index.js gateway"`, {})?.packageDir).toBe(rt);
    expect(resolveExecStart(`/usr/bin/node /nowhere/dist/index.js`, {})).toEqual({
      path: "/nowhere/dist/index.js",
      real: null,
      packageDir: null,
    });
  });
});

describe("provider resolution", () => {
  it("finds the copy Node resolves, even when exports hides package.json or has no require condition", () => {
    const dir = work();
    const rt = makeOpenclawFixture(join(dir, "lib", "node_modules", "openclaw"));
    // nested copy, ESM only, package.json not exported
    write(
      join(rt, "node_modules/@mariozechner/pi-ai/package.json"),
      JSON.stringify({ name: "@mariozechner/pi-ai", version: "0.55.1", type: "module", exports: { ".": { import: "./dist/index.js" } } }),
    );
    write(join(rt, "node_modules/@mariozechner/pi-ai/dist/index.js"), "export {};\n");
    // hoisted copy outside the package: found through the parent node_modules
    write(
      join(dir, "lib", "node_modules", "@openclaw/ai/package.json"),
      JSON.stringify({ name: "@openclaw/ai", version: "2026.9.6", exports: { "./package.json": "./package.json", ".": "./index.js" } }),
    );
    const nested = resolveProviderCopy(rt, "@mariozechner/pi-ai");
    expect(nested).toEqual({ dir: join(rt, "node_modules/@mariozechner/pi-ai"), how: "resolve.paths" });
    const hoisted = resolveProviderCopy(rt, "@openclaw/ai");
    expect(hoisted).toEqual({ dir: join(dir, "lib", "node_modules", "@openclaw/ai"), how: "require.resolve" });
    expect(resolveProviderCopy(rt, "@earendil-works/pi-ai")).toBeNull();
  });
});

describe("clawmend doctor (fixture)", () => {
  it("without systemd and without openclaw on PATH: says so, and finding nothing is a problem", async () => {
    const dir = work();
    mkdirSync(join(dir, "empty-bin"));
    const r = await runCli(["doctor"], { cwd: dir, env: envWith(join(dir, "empty-bin")), exactEnv: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("note: no openclaw on PATH");
    expect(r.stdout).toContain("note: systemd: not present on this machine; no service checked");
    expect(r.stdout).toMatch(/problem: no openclaw runtime found .*pass --root DIR/);
  });

  it("flags an unpatched runtime on PATH, names the patched one, and passes once PATH points at it", async () => {
    const dir = work();
    const plain = makeOpenclawFixture(join(dir, "global", "openclaw"));
    const src = makeOpenclawFixture(join(dir, "src"));
    const patched = join(dir, "rt", "openclaw");
    expect((await runCli(["rebuild", "--from", src, "--to", patched], { cwd: dir })).code).toBe(0);
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(join(plain, "openclaw.mjs"), join(bin, "openclaw"));
    const unitDir = join(dir, "units");
    mkdirSync(unitDir);
    const r = await runCli(["doctor", "--root", patched, "--unit-dir", unitDir], { cwd: dir, env: envWith(bin), exactEnv: true });
    expect(r.code, r.stdout).toBe(1);
    const problems = r.stdout.split("\n").filter((l) => l.startsWith("problem:"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      `openclaw on PATH (${join(bin, "openclaw")} -> ${join(plain, "openclaw.mjs")}) is not patched (runtime-overlay unpatched; runtime-overlay-bin unpatched)`,
    );
    expect(problems[0]).toContain(`the patched runtime is`);
    expect(problems[0]).toContain(`run clawmend patch --root ${plain}`);
    expect(r.stdout).toContain("note: systemd: no user unit openclaw-gateway.service");

    rmSync(join(bin, "openclaw"));
    symlinkSync(join(patched, "openclaw.mjs"), join(bin, "openclaw"));
    const ok = await runCli(["doctor", "--unit-dir", unitDir, "--json"], { cwd: dir, env: envWith(bin), exactEnv: true });
    expect(ok.code, ok.stdout).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.runtimes).toHaveLength(1);
    expect(report.runtimes[0].sources).toEqual(["path"]);
    expect(report.runtimes[0].clean).toBe(true);

    // The updater (or a reinstall) put another version in place: the doctor says so in one line.
    const pkgFile = join(patched, "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    writeFileSync(pkgFile, JSON.stringify({ ...pkg, version: "9999.1.1" }));
    const moved = await runCli(["doctor", "--unit-dir", unitDir], { cwd: dir, env: envWith(bin), exactEnv: true });
    expect(moved.code, moved.stdout).toBe(1);
    expect(moved.stdout.split("\n").filter((l) => l.startsWith("problem:"))).toContain(
      `problem: ${realpathSync(patched)}: openclaw was ${pkg.version} when clawmend patched it, now 9999.1.1 (reinstalled or updated): run clawmend patch`,
    );
  });
});

describe("clawmend doctor: the CLI and the service run the same runtime", () => {
  it("a PATH openclaw that runs another runtime than the service is a problem with its fix; the launcher's wrapper is not", async () => {
    const dir = work();
    const global = makeOpenclawFixture(join(dir, "global", "openclaw"));
    expect((await runCli(["patch", "--root", global], { cwd: dir })).code).toBe(0);
    const mirror = join(dir, "state", "openclaw");
    expect((await runCli(["rebuild", "--from", global, "--to", mirror], { cwd: dir })).code).toBe(0);
    const unitDir = join(dir, "units");
    write(
      join(unitDir, "openclaw-gateway.service"),
      `[Service]\nExecStart=/usr/bin/node ${join(mirror, "dist", "index.js")} gateway --port 18789\n`,
    );
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(join(global, "openclaw.mjs"), join(bin, "openclaw"));
    const doctor = () => runCli(["doctor", "--unit-dir", unitDir], { cwd: dir, env: envWith(bin), exactEnv: true });

    const r = await doctor();
    const problems = r.stdout.split("\n").filter((l) => l.startsWith("problem:"));
    expect(problems, r.stdout).toEqual([
      `problem: openclaw on PATH (${join(bin, "openclaw")}) runs ${global}, but openclaw-gateway.service runs ${realpathSync(mirror)}: a turn the CLI runs itself (\`openclaw agent\` when the gateway is unreachable) sends what the service never would; install the wrapper \`clawmend launcher --runtime\` writes (install -m 0755 OUT/openclaw ~/.local/bin/openclaw) and put ~/.local/bin first on PATH`,
    ]);
    expect(r.code).toBe(1);

    const gen = join(dir, "gen");
    const launcher = await runCli(
      ["launcher", "--out", gen, "--model", "/m", "--runtime", global, "--heal", "mirror", "--mirror-dir", mirror, "--unit-dir", unitDir],
      { cwd: dir, env: envWith(bin), exactEnv: true },
    );
    expect(launcher.code, launcher.stderr).toBe(0);
    rmSync(join(bin, "openclaw"));
    writeFileSync(join(bin, "openclaw"), readFileSync(join(gen, "openclaw")), { mode: 0o755 });
    const ok = await doctor();
    expect(
      ok.stdout.split("\n").filter((l) => l.startsWith("problem:")),
      ok.stdout,
    ).toEqual([]);
    expect(ok.code).toBe(0);
  });
});

describe("clawmend doctor --probe (vLLM-like server)", () => {
  let off: VllmLikeServer;
  let on: VllmLikeServer;
  let dir: string;
  beforeAll(async () => {
    off = await startVllmLikeServer({ toolCalling: false });
    on = await startVllmLikeServer({ toolCalling: true });
    dir = work();
    makeOpenclawFixture(join(dir, "src"));
    mkdirSync(join(dir, "units"));
    mkdirSync(join(dir, "bin"));
  });
  afterAll(async () => {
    await off?.close();
    await on?.close();
  });
  let n = 0;
  /** A config file, and a runtime rebuilt with it (the settings are baked into the patches). */
  const config = (enabled: boolean, endpoints: string[]) => {
    const file = join(dir, `cfg-${++n}.mjs`);
    writeFileSync(file, `export default { vllm: { endpoints: ${JSON.stringify(endpoints)}, toolCalling: { enabled: ${enabled} } } };\n`);
    return file;
  };
  const doctorProbe = async (url: string, cfg: string, env: NodeJS.ProcessEnv = {}) => {
    const runtime = join(dir, `rt-${cfg.replace(/\D/g, "")}`);
    expect((await runCli(["rebuild", "--from", join(dir, "src"), "--to", runtime, "--config", cfg], { cwd: dir })).code).toBe(0);
    return runCli(["doctor", "--root", runtime, "--unit-dir", join(dir, "units"), "--probe", url, "--config", cfg, "--json"], {
      cwd: dir,
      env: {
        ...envWith(join(dir, "bin")),
        ...env,
      },
      exactEnv: true,
    });
  };

  it("v1 base from any form of the URL", () => {
    expect(v1Base("http://127.0.0.1:8001")).toBe("http://127.0.0.1:8001/v1");
    expect(v1Base("http://127.0.0.1:8001/v1/")).toBe("http://127.0.0.1:8001/v1");
    expect(v1Base("http://h:1/v1/chat/completions?key=x")).toBe("http://h:1/v1");
  });

  it("server without auto tool choice, gate configured for it: all well, says how to enable tools", async () => {
    const r = await doctorProbe(off.url, config(false, [off.url]), { VLLM_API_KEY: "sk-secret-do-not-print" });
    const report = JSON.parse(r.stdout);
    expect(r.code, r.stdout).toBe(0);
    expect(report.probe).toMatchObject({
      toolCalling: "disabled",
      status: 400,
      configToolCalling: false,
      gated: true,
      agrees: true,
      model: "fake-model",
    });
    expect(r.stdout).toContain("--enable-auto-tool-choice --tool-call-parser hermes");
    expect(r.stdout).not.toContain("sk-secret-do-not-print");
    const chat = off.chatRequests().at(-1)!;
    expect(chat.body.tools).toHaveLength(1);
    expect(chat.body.tool_choice).toBe("auto");
    expect(chat.headers.authorization).toBe("Bearer sk-secret-do-not-print");
  });

  it("server without auto tool choice while the config enables tool calling: a problem with both fixes", async () => {
    const r = await doctorProbe(`${off.baseUrl}/`, config(true, [off.url]));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.probe.agrees).toBe(false);
    const problem = report.findings.find((f: { severity: string }) => f.severity === "problem").message;
    expect(problem).toMatch(
      /runs without auto tool choice .* start vLLM with --enable-auto-tool-choice --tool-call-parser hermes or set vllm.toolCalling.enabled: false/,
    );
  });

  it("server without auto tool choice on an endpoint the gate does not cover: a problem naming vllm.endpoints", async () => {
    const r = await doctorProbe(off.url, config(false, ["http://127.0.0.1:8001"]));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).probe.gated).toBe(false);
    expect(r.stdout).toContain(`add ${off.url} to vllm.endpoints`);
  });

  it("server with auto tool choice: agrees with an enabling config, notes a disabling one", async () => {
    const yes = await doctorProbe(on.url, config(true, [on.url]));
    expect(yes.code, yes.stdout).toBe(0);
    expect(JSON.parse(yes.stdout).probe).toMatchObject({ toolCalling: "enabled", agrees: true });
    const no = await doctorProbe(on.url, config(false, [on.url]));
    expect(no.code).toBe(0);
    expect(JSON.parse(no.stdout).probe).toMatchObject({ toolCalling: "enabled", agrees: false });
    expect(no.stdout).toContain("set vllm.toolCalling.enabled: true to use them");
  });

  it("an unreachable server is a problem", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const r = await doctorProbe(`http://127.0.0.1:${port}`, config(false, []));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).probe.detail).toBe(`cannot reach http://127.0.0.1:${port}/v1: ECONNREFUSED`);
  });
});

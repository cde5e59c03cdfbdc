import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import type { VllmConfigInput } from "../../src/config/settings.js";
import type { LauncherOverrides } from "../../src/launcher/settings.js";
import { PREFLIGHT_REASONS, vllmArgs, type PreflightReason } from "../../src/launcher/script.js";
import {
  GPU_24G_FREE,
  HOLD_BOUND,
  HOLD_BOUND_REUSEADDR,
  MAKE_TIME_WAIT,
  PYTHON,
  generateInto,
  has,
  listenOn,
  makeModelDir,
  parseMarker,
  pythonHolder,
  runScript,
  tempDir,
  type RunEnv,
  type RunResult,
} from "./helpers.js";
import { freePort } from "../support/ports.js";

let work: string;
let model: string;

beforeAll(() => {
  work = tempDir();
  model = makeModelDir(join(work, "models", "qwen"));
});

// The tests run concurrently (each launch is its own bash and Python processes, each with its
// own output dir and free port): what a test holds is released when that test finishes.
function hold(test: TestContext, child: ChildProcess): void {
  test.onTestFinished(() => void child.kill("SIGKILL"));
}
function serve(test: TestContext, server: Server): void {
  test.onTestFinished(() => new Promise<void>((ok) => server.close(() => ok())));
}

/** Generates a launcher (into a fresh dir) for a free port and runs it. */
async function launch(
  vllm: VllmConfigInput["launcher"] & { toolCalling?: { enabled?: boolean; parser?: string } } = {},
  run: RunEnv & { args?: string[]; port?: number; overrides?: LauncherOverrides } = {},
): Promise<{ result: RunResult; port: number; settings: ReturnType<typeof generateInto>["settings"] }> {
  const { toolCalling, ...launcher } = vllm;
  const port = run.port ?? (await freePort());
  const out = tempDir();
  const { script, settings } = generateInto(
    out,
    { ...(toolCalling ? { toolCalling } : {}), launcher: { model, python: PYTHON, port, ...launcher } },
    run.overrides ?? {},
  );
  const result = await runScript(script, work, run.args ?? ["--preflight-only"], {
    nvidiaSmiOutput: GPU_24G_FREE,
    ...run,
  });
  return { result, port, settings };
}

/** The run failed with exactly one marker line on stderr, nothing on stdout, and the reason's code. */
function expectFailure(result: RunResult, reason: PreflightReason): Record<string, string> {
  const lines = result.stderr.split("\n").filter((l) => l !== "");
  expect(lines, result.stderr).toHaveLength(1);
  const { marker, fields } = parseMarker(lines[0]!);
  expect(marker).toBe("VLLM_ASSISTANT_PREFLIGHT_FAILED");
  expect(fields.reason).toBe(reason);
  expect(result.status).toBe(PREFLIGHT_REASONS[reason]);
  expect(lines[0]!.startsWith(`VLLM_ASSISTANT_PREFLIGHT_FAILED reason=${reason}`)).toBe(true);
  expect(result.stdout).toBe("");
  expect(result.record).toBeNull();
  return fields;
}

function expectOk(result: RunResult): Record<string, string> {
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const { marker, fields } = parseMarker(result.stdout.trim());
  expect(marker).toBe("VLLM_ASSISTANT_PREFLIGHT_OK");
  return fields;
}

describe.concurrent("preflight: success", () => {
  it("--preflight-only exits 0 with the OK marker, runs nothing, never imports vllm", async () => {
    const { result, port } = await launch();
    const fields = expectOk(result);
    expect(fields).toMatchObject({ port: String(port), gpus: "0", free_mib: "24000", need_mib: "22620" });
    expect(result.record).toBeNull();
    expect(result.imported).toBe(false);
  });

  it("execs `vllm serve MODEL ...` when the vllm CLI exists", async () => {
    const { result, settings } = await launch({}, { args: [] });
    expect(result.status).toBe(0);
    expect(result.record).toEqual({ entrypoint: "vllm_cli", argv: ["serve", model, ...vllmArgs(settings)] });
    expect(result.imported).toBe(false);
  });

  it("execs `PYTHON -m vllm.entrypoints.openai.api_server --model MODEL ...` without the CLI", async () => {
    const { result, settings } = await launch({}, { args: [], vllmCli: false });
    expect(result.status).toBe(0);
    expect(result.record).toEqual({ entrypoint: "api_server", argv: ["--model", model, ...vllmArgs(settings)] });
    expect(parseMarker(result.stdout.trim()).fields.entrypoint).toBe("api_server");
  });

  it("passes --enable-auto-tool-choice --tool-call-parser exactly when tool calling is enabled", async () => {
    const [on, off] = await Promise.all([
      launch({ toolCalling: { enabled: true, parser: "qwen3_coder" } }, { args: [] }),
      launch({ toolCalling: { enabled: false, parser: "qwen3_coder" } }, { args: [] }),
    ]);
    const argvOn = on.result.record!.argv;
    const argvOff = off.result.record!.argv;
    expect(argvOn.filter((a) => a === "--enable-auto-tool-choice")).toHaveLength(1);
    expect(argvOn.slice(argvOn.indexOf("--tool-call-parser"), argvOn.indexOf("--tool-call-parser") + 2)).toEqual([
      "--tool-call-parser",
      "qwen3_coder",
    ]);
    expect(argvOff).not.toContain("--enable-auto-tool-choice");
    expect(argvOff).not.toContain("--tool-call-parser");
  });

  it("passes every option in a fixed order", async () => {
    const { result, port } = await launch(
      { servedModelName: "qwen", maxModelLen: 32768, gpuMemoryUtilization: 0.5, extraArgs: ["--enforce-eager", "--seed=1"] },
      { args: [] },
    );
    expect(result.record!.argv).toEqual([
      "serve",
      model,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--served-model-name",
      "qwen",
      "--gpu-memory-utilization",
      "0.5",
      "--tensor-parallel-size",
      "1",
      "--max-model-len",
      "32768",
      "--enforce-eager",
      "--seed=1",
    ]);
  });
});

describe.concurrent("preflight: hostile values reach vLLM verbatim and are never executed", () => {
  for (const vllmCli of [true, false]) {
    it(`model path with quotes, $(...) and backticks (${vllmCli ? "vllm serve" : "api_server"})`, async () => {
      const pwned = join(work, "pwned");
      const pwned2 = join(work, "pwned2");
      const pwned3 = join(work, "pwned3");
      const hostile = join(work, `x/a b'c"$(touch ${pwned})\`touch ${pwned2}\`; touch ${pwned3} \\n %h $HOME *`);
      makeModelDir(hostile);
      const served = `s'"\`touch ${pwned2}\`$(touch ${pwned})`;
      const extra = `--chat-template=$(touch ${pwned}) \`touch ${pwned2}\``;
      const { result, settings } = await launch({ model: hostile, servedModelName: served, extraArgs: [extra] }, { args: [], vllmCli });
      expect(result.status).toBe(0);
      const argv = result.record!.argv;
      const head = vllmCli ? ["serve", hostile] : ["--model", hostile];
      expect(argv).toEqual([...head, ...vllmArgs(settings)]);
      expect(argv).toContain(served);
      expect(argv).toContain(extra);
      // The OK marker quotes the value so that it parses back to the same string.
      expect(parseMarker(result.stdout.trim()).fields.model).toBe(hostile);
      for (const file of [pwned, pwned2, pwned3]) expect(existsSync(file)).toBe(false);
    });
  }

  it("a hostile missing model is reported verbatim and not executed", async () => {
    const pwned = join(work, "pwned-missing");
    const hostile = `/nonexistent/a b'c"$(touch ${pwned})\`touch ${pwned}\``;
    const fields = expectFailure((await launch({ model: hostile })).result, "model_missing");
    expect(fields.model).toBe(hostile);
    expect(existsSync(pwned)).toBe(false);
  });
});

describe.concurrent("preflight: configuration failures exit 78", () => {
  it("python_missing", async () => {
    const fields = expectFailure((await launch({ python: "/nonexistent/bin/python3" })).result, "python_missing");
    expect(fields.python).toBe("/nonexistent/bin/python3");
    expectFailure((await launch({ python: "no-such-python-clawmend" })).result, "python_missing");
  });

  it("vllm_not_importable", async () => {
    const fields = expectFailure((await launch({}, { vllmPackage: null })).result, "vllm_not_importable");
    expect(fields.detail).toMatch(/vllm/);
  });

  it("model_missing: local path without config.json, missing path, uncached hub id", async () => {
    const empty = join(work, "models", "empty");
    mkdirSync(empty, { recursive: true });
    const [noConfig, missing, uncached] = await Promise.all([
      launch({ model: empty }),
      launch({ model: join(work, "nope") }),
      launch({ model: "org/not-cached" }),
    ]);
    expect(expectFailure(noConfig.result, "model_missing").detail).toMatch(/config\.json/);
    expect(expectFailure(missing.result, "model_missing").kind).toBe("local");
    const hub = expectFailure(uncached.result, "model_missing");
    expect(hub).toMatchObject({ kind: "hub", model: "org/not-cached", cache: join(work, "hf", "hub") });
  });

  it("model: a cached hub id passes, and --allow-download lets an uncached one through", async () => {
    const snapshot = join(work, "hf", "hub", "models--org--cached", "snapshots", "abc123");
    makeModelDir(snapshot);
    expectOk((await launch({ model: "org/cached" })).result);
    expectOk((await launch({ model: "org/not-cached", allowDownload: true })).result);
  });

  it("tool_parser_invalid lists what the installed vLLM has", async () => {
    const { result } = await launch({ toolCalling: { enabled: true, parser: "nope" } });
    const fields = expectFailure(result, "tool_parser_invalid");
    expect(fields.parser).toBe("nope");
    expect(fields.available!.split(",")).toEqual(["hermes", "llama3_json", "llama4_json", "mistral", "qwen3_coder"]);
    expect(result.imported).toBe(false);
  });

  it("tool parser: known names pass; unlistable parsers, a plugin, or tool calling off skip the check", async () => {
    const runs = await Promise.all([
      launch({ toolCalling: { enabled: true, parser: "llama4_json" } }),
      launch({ toolCalling: { enabled: true, parser: "nope" } }, { vllmPackage: "python-noparsers" }),
      launch({ toolCalling: { enabled: true, parser: "nope" }, extraArgs: ["--tool-parser-plugin=/x.py"] }),
      launch({ toolCalling: { enabled: false, parser: "nope" } }),
    ]);
    for (const { result } of runs) expectOk(result);
  });

  it("config_invalid: a host that is not an address of this machine, an unknown launcher argument", async () => {
    const fields = expectFailure((await launch({ host: "203.0.113.7" })).result, "config_invalid");
    expect(fields.host).toBe("203.0.113.7");
    const arg = expectFailure((await launch({}, { args: ["--bogus value"] })).result, "config_invalid");
    expect(arg.argument).toBe("--bogus value");
  });

  it("checks run in order: the first failing one is reported", async (test) => {
    const port = await freePort();
    serve(test, await listenOn(port));
    expectFailure((await launch({ model: join(work, "nope") }, { port, gpu: false })).result, "model_missing");
  });
});

describe.concurrent("preflight: transient failures exit 42", () => {
  it.skipIf(!has("ss"))("port_in_use names the listener (ss -Hltnp)", async (test) => {
    const port = await freePort();
    serve(test, await listenOn(port));
    const fields = expectFailure((await launch({}, { port })).result, "port_in_use");
    expect(fields.port).toBe(String(port));
    expect(fields.listener).toMatch(new RegExp(`LISTEN .*127\\.0\\.0\\.1:${port}\\b`));
  });

  it("port_in_use is still detected without ss", async (test) => {
    const port = await freePort();
    serve(test, await listenOn(port));
    // A PATH without /usr/bin and /bin would lose bash itself: hide ss behind a failing stub instead.
    const stubs = tempDir();
    writeFileSync(join(stubs, "ss"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const result = (await launch({}, { port, env: { PATH: `${stubs}:${process.env.PATH}` } })).result;
    expect(expectFailure(result, "port_in_use").port).toBe(String(port));
  });

  it("port_bound_not_listening: a socket bound (not listening) by another process", async (test) => {
    const port = await freePort();
    hold(test, await pythonHolder(HOLD_BOUND, port));
    expect(expectFailure((await launch({}, { port })).result, "port_bound_not_listening").port).toBe(String(port));
  });

  it("port_bound_not_listening: also when the holder set SO_REUSEADDR", async (test) => {
    const port = await freePort();
    hold(test, await pythonHolder(HOLD_BOUND_REUSEADDR, port));
    expectFailure((await launch({}, { port })).result, "port_bound_not_listening");
  });

  it("a port held only by a TIME-WAIT connection counts as free", async (test) => {
    const port = await freePort();
    hold(test, await pythonHolder(MAKE_TIME_WAIT, port));
    expectOk((await launch({}, { port })).result);
  });

  it("nvidia_smi_missing", async () => {
    expectFailure((await launch({}, { gpu: false })).result, "nvidia_smi_missing");
  });

  it("nvidia_smi_failed carries the exit code and the first line", async () => {
    const fields = expectFailure((await launch({}, { nvidiaSmiFail: true })).result, "nvidia_smi_failed");
    expect(fields.rc).toBe("9");
    expect(fields.first_line).toBe(
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    );
  });

  const twoGpus = [
    "0, GPU-11111111-aaaa-bbbb-cccc-000000000000, 24564, 24000",
    "1, GPU-22222222-aaaa-bbbb-cccc-000000000000, 24564, 23000",
  ].join("\n");

  it("gpu_not_visible: fewer GPUs visible through CUDA_VISIBLE_DEVICES than the tensor-parallel size", async () => {
    const run = (cvd: string | undefined) =>
      launch({ tensorParallelSize: 2 }, { nvidiaSmiOutput: twoGpus, env: { CUDA_VISIBLE_DEVICES: cvd } });
    const [one, none, invalid, invalidUuid, reordered, uuids, unset] = await Promise.all(
      ["1", "", "0,7,1", "GPU-22222222,-1,0", "1,0", "GPU-22222222-aaaa,GPU-1111", undefined].map(run),
    );
    const fields = expectFailure(one!.result, "gpu_not_visible");
    expect(fields).toMatchObject({ visible: "1", tensor_parallel_size: "2", cuda_visible_devices: "1" });
    expect(expectFailure(none!.result, "gpu_not_visible").visible).toBe("0");
    // as CUDA does: an invalid entry hides itself and everything after it
    expect(expectFailure(invalid!.result, "gpu_not_visible").visible).toBe("1");
    expect(expectFailure(invalidUuid!.result, "gpu_not_visible").visible).toBe("1");
    expect(expectOk(reordered!.result).gpus).toBe("1,0");
    expect(expectOk(uuids!.result).gpus).toBe("1,0");
    expect(expectOk(unset!.result).gpus).toBe("0,1");
  });

  it("gpu_memory_insufficient: need_mib = ceil(total × utilization) + margin (the field report's GPU)", async () => {
    // 23.56 GiB card with 0.32 GiB free, utilization 0.9, default margin 512 MiB.
    const { result } = await launch({}, { nvidiaSmiOutput: "0, GPU-11111111-aaaa-bbbb-cccc-000000000000, 24125, 327" });
    const fields = expectFailure(result, "gpu_memory_insufficient");
    expect(fields).toMatchObject({ gpu: "0", free_mib: "327", need_mib: String(Math.ceil(24125 * 0.9) + 512), util: "0.9" });
    expect(fields.need_mib).toBe("22225");
  });

  it("gpu memory: the exact boundary, exact decimal arithmetic, the GPU actually used", async () => {
    // 1000 × 0.7 is 700.0000000000001 in floating point; the need is 700 + 0.
    const exact = "0, GPU-11111111-aaaa-bbbb-cccc-000000000000, 1000, 700";
    const short = "0, GPU-11111111-aaaa-bbbb-cccc-000000000000, 1000, 699";
    // GPU 1 is nearly full; with CUDA_VISIBLE_DEVICES=1 that is the one that counts.
    const busy = "0, GPU-1111, 24564, 24000\n1, GPU-2222, 24564, 100";
    const [atExact, belowExact, busyDefault, busyOne] = await Promise.all([
      launch({ gpuMemoryUtilization: 0.7, safetyMarginMib: 0 }, { nvidiaSmiOutput: exact }),
      launch({ gpuMemoryUtilization: 0.7, safetyMarginMib: 0 }, { nvidiaSmiOutput: short }),
      launch({}, { nvidiaSmiOutput: busy }),
      launch({}, { nvidiaSmiOutput: busy, env: { CUDA_VISIBLE_DEVICES: "1" } }),
    ]);
    expectOk(atExact.result);
    const fields = expectFailure(belowExact.result, "gpu_memory_insufficient");
    expect(fields.need_mib).toBe("700");
    expectOk(busyDefault.result);
    const used = expectFailure(busyOne.result, "gpu_memory_insufficient");
    expect(used).toMatchObject({ gpu: "1", uuid: "GPU-2222", free_mib: "100" });
  });
});

describe.concurrent("preflight: the marker line", () => {
  it("quotes values with spaces, quotes and backslashes so they parse back", async () => {
    const weird = join(work, 'm o"d\\el');
    rmSync(weird, { recursive: true, force: true });
    const { result } = await launch({ model: weird });
    const line = result.stderr.trim();
    expect(line).toContain(`model="${weird.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`);
    expect(expectFailure(result, "model_missing").model).toBe(weird);
  });
});

import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../config/load.js";
import { ClawmendError } from "../core/errors.js";
import { gateConfigOf } from "../patches/gate-config.js";
import { isGatedUrl, toolCalling } from "../patches/runtime/gated-request.js";
import { CANNOT_APPLY, NOT_VERIFIED } from "../verify/status.js";
import { probeVllm, type ProbeResult } from "./vllm-probe.js";
import {
  inspectRuntime,
  openclawPackageOf,
  resolveExecStart,
  resolveExecutable,
  type ResolvedEntry,
  type RuntimeInspection,
} from "./runtime.js";
import { engineMismatch, nodeRuntime, type NodeRuntime } from "../system/node.js";
import { effectiveExecStart, expandSpecifiers, findUnit, GATEWAY_UNIT, splitCommand, unitEnvironment } from "../system/systemd.js";
import { whichOnPath } from "../system/which.js";
import { readOpenclawConfig } from "./openclaw-config.js";
import { selfTest, type SelfTestReport } from "./self-test.js";

export interface DoctorOptions {
  root?: string;
  probe?: string;
  /** Build the request each runtime's next agent turn sends to every local provider (nothing is sent). */
  selfTest?: boolean;
  /** Read the unit from these directories only (tests, or a config dir elsewhere). */
  unitDirs?: string[];
  config: Config;
  env: NodeJS.ProcessEnv;
  cwd: string;
  probeTimeoutMs?: number;
}

export interface Finding {
  severity: "problem" | "note";
  message: string;
}

export type RuntimeSource = "path" | "service" | "root";

export interface DoctorReport {
  path: (ResolvedEntry & { found: true }) | { found: false };
  service: {
    unit: string;
    systemdPresent: boolean;
    source: "systemctl" | "files" | "none";
    files: string[];
    searched: string[];
    systemctlError?: string;
    execStart: string | null;
    execStartFile: string | null;
    executes: ResolvedEntry | null;
  };
  runtimes: Array<RuntimeInspection & { sources: RuntimeSource[] }>;
  /** How each runtime is started: with which Node and environment (and the self-test, when asked). */
  launches: Launch[];
  probe: (ProbeResult & { configToolCalling: boolean; configSource: string; gated: boolean; agrees: boolean | null }) | null;
  findings: Finding[];
  exitCode: 0 | 1;
}

export interface Launch {
  source: RuntimeSource;
  dir: string;
  node: NodeRuntime;
  /** The environment variables the unit sets (service only). */
  unitEnv: Record<string, string>;
  selfTest?: SelfTestReport;
}

const SOURCE_TEXT: Record<RuntimeSource, string> = { path: "openclaw on PATH", service: `the ${GATEWAY_UNIT} ExecStart`, root: "--root" };

export async function doctor(options: DoctorOptions): Promise<DoctorReport> {
  const { env, config } = options;
  const findings: Finding[] = [];
  const problem = (message: string) => findings.push({ severity: "problem", message });
  const note = (message: string) => findings.push({ severity: "note", message });

  let rootDir: string | null = null;
  if (options.root) {
    const abs = resolve(options.cwd, options.root);
    if (!existsSync(abs)) throw ClawmendError.usage(`--root ${abs}: not found`);
    rootDir = openclawPackageOf(abs) ?? realpathSync(abs);
  }

  // 1. What runs: openclaw on PATH, the gateway service.
  const onPath = whichOnPath("openclaw", env);
  const path: DoctorReport["path"] = onPath ? { found: true, ...resolveExecutable(onPath) } : { found: false };

  const unit = findUnit(GATEWAY_UNIT, env, options.unitDirs);
  const exec = effectiveExecStart(unit.files);
  const execStart = exec ? expandSpecifiers(exec.value, env) : null;
  const executes = execStart ? resolveExecStart(execStart, env) : null;
  const service: DoctorReport["service"] = {
    unit: GATEWAY_UNIT,
    systemdPresent: unit.systemdPresent,
    source: unit.source,
    files: unit.files.map((f) => f.path),
    searched: unit.searched,
    ...(unit.systemctlError ? { systemctlError: unit.systemctlError } : {}),
    execStart,
    execStartFile: exec?.file ?? null,
    executes,
  };

  // 2. Each distinct runtime, inspected once.
  const bySource = new Map<string, Set<RuntimeSource>>();
  const add = (dir: string | null | undefined, source: RuntimeSource) => {
    if (!dir) return;
    if (!bySource.has(dir)) bySource.set(dir, new Set());
    bySource.get(dir)!.add(source);
  };
  add(path.found ? path.packageDir : null, "path");
  add(executes?.packageDir, "service");
  add(rootDir, "root");
  const runtimes: DoctorReport["runtimes"] = [];
  for (const [dir, sources] of bySource) {
    runtimes.push({ ...(await inspectRuntime(dir, config)), sources: [...sources] });
  }
  const patchedRuntime = runtimes.find((r) => r.clean && r.providers.every((p) => p.patched || p.patches.length === 0));

  // 3. One line per problem, with its fix.
  if (!path.found) note("no openclaw on PATH");
  else if (!path.packageDir)
    problem(
      `openclaw on PATH (${path.path}${path.real && path.real !== path.path ? ` -> ${path.real}` : ""}) is not inside an openclaw package: cannot tell what it runs`,
    );

  if (!unit.systemdPresent) {
    note(`systemd: not present on this machine; no service checked`);
  } else if (unit.source === "none") {
    note(
      `systemd: no user unit ${GATEWAY_UNIT} (searched ${unit.searched.length} unit directories${unit.systemctlError ? `; systemctl --user: ${unit.systemctlError}` : ""})`,
    );
  } else if (!execStart) {
    problem(`${GATEWAY_UNIT} has no ExecStart (${service.files.join(", ")}): the service cannot start`);
  } else if (!executes?.packageDir) {
    const what = executes?.path ?? execStart;
    problem(
      `cannot tell which openclaw ${GATEWAY_UNIT} runs: ExecStart=${execStart} (${executes && !existsSync(executes.path) ? `${executes.path} does not exist` : `${what} is not in an openclaw package`}); point ExecStart at <runtime>/dist/index.js`,
    );
  }

  const pathRuntime = path.found ? path.packageDir : null;
  const serviceRuntime = executes?.packageDir ?? null;
  if (pathRuntime && serviceRuntime && realOrSelf(pathRuntime) !== realOrSelf(serviceRuntime)) {
    problem(
      `openclaw on PATH (${path.found ? path.path : "?"}) runs ${pathRuntime}, but ${GATEWAY_UNIT} runs ${serviceRuntime}: ` +
        "a turn the CLI runs itself (`openclaw agent` when the gateway is unreachable) sends what the service never would; " +
        "install the wrapper `clawmend launcher --runtime` writes (install -m 0755 OUT/openclaw ~/.local/bin/openclaw) and put ~/.local/bin first on PATH",
    );
  }

  for (const runtime of runtimes) {
    const resolvedDirs = new Set(runtime.providers.map((p) => p.relDir).filter(Boolean));
    if (runtime.verifyError) {
      problem(`${runtime.dir}: cannot verify: ${runtime.verifyError}`);
      continue;
    }
    // The package changed under clawmend (another version, a reinstall): one line, from verify.
    for (const copy of runtime.verify?.copies ?? [])
      for (const line of copy.problems) problem(`${copy.dir === "." ? runtime.dir : join(runtime.dir, copy.dir)}: ${line}`);
    const bad: string[] = [];
    for (const copy of runtime.verify?.copies ?? []) {
      if (resolvedDirs.has(copy.dir)) continue; // reported below, as what the runtime resolves
      for (const p of copy.patches) {
        if (NOT_VERIFIED.has(p.status) || CANNOT_APPLY.has(p.status))
          bad.push(`${p.patch} ${p.status}${copy.dir === "." ? "" : ` in ${copy.dir}`}`);
      }
    }
    if (bad.length) {
      const fixPatch = fixFor(runtime.dir);
      const other = patchedRuntime && patchedRuntime.dir !== runtime.dir ? patchedRuntime.dir : null;
      for (const source of runtime.sources) {
        if (source === "service") {
          const file = executes?.real ?? executes?.path ?? runtime.dir;
          problem(
            `the service executes ${file}, which is not patched (${bad.join("; ")}); ` +
              (other
                ? `the patched runtime is ${other}; point ExecStart at ${join(other, "dist", "index.js")} or ${fixPatch}`
                : `${fixPatch} (or clawmend rebuild --from ${runtime.dir} --to DIR and point ExecStart at DIR/dist/index.js)`),
          );
        } else if (source === "path") {
          problem(
            `openclaw on PATH (${path.found ? path.path : "?"} -> ${path.found ? path.real : "?"}) is not patched (${bad.join("; ")}); ` +
              (other ? `the patched runtime is ${other}; put ${join(other, "openclaw.mjs")} first on PATH or ${fixPatch}` : fixPatch),
          );
        } else {
          problem(`${runtime.dir} is not patched (${bad.join("; ")}); ${fixPatch}`);
        }
      }
    }
    if (runtime.providers.length === 0) {
      note(`${runtime.dir} resolves no pi-ai or @openclaw/ai package (this version may carry its provider inside its own dist)`);
    }
    for (const p of runtime.providers) {
      if (p.patched || p.patches.length === 0 || p.patches.every((r) => r.status === "not-applicable")) continue;
      const states = p.patches
        .filter((r) => r.status !== "not-applicable")
        .map((r) => `${r.patch} ${r.status}`)
        .join(", ");
      const root = p.relDir ? runtime.dir : p.dir;
      problem(
        `${runtime.dir} resolves ${p.package}@${p.version ?? "?"} from ${p.dir}${p.relDir ? "" : " (outside the runtime)"}, which is not patched (${states}); ${fixFor(root)}`,
      );
    }
  }
  if (runtimes.length === 0) {
    problem(`no openclaw runtime found (not on PATH, no ${GATEWAY_UNIT} unit): pass --root DIR`);
  }

  // 3b. The Node each runtime is started with, against the engines of the openclaw it runs, and
  //     (asked) what the next agent turn sends to every local provider.
  const launches: Launch[] = [];
  // Each Node binary is asked its version once, and each (runtime, Node, environment) self-tested once.
  const nodes = new Map<string, NodeRuntime>();
  const nodeAt = (binary: string): NodeRuntime => {
    const known = nodes.get(binary) ?? nodeRuntime(binary);
    nodes.set(binary, known);
    return known;
  };
  const nodeOnPath = whichOnPath("node", env);
  const pathNode = (): NodeRuntime => (nodeOnPath ? nodeAt(nodeOnPath) : { path: "node", version: null, error: "no node on PATH" });
  if (path.found && path.packageDir) launches.push({ source: "path", dir: path.packageDir, node: pathNode(), unitEnv: {} });
  if (executes?.packageDir && execStart) {
    const own = serviceNode(execStart, env);
    launches.push({
      source: "service",
      dir: executes.packageDir,
      node: own ? nodeAt(own) : pathNode(),
      unitEnv: unitEnvironment(unit.files, env),
    });
  }
  if (rootDir) launches.push({ source: "root", dir: rootDir, node: nodeAt(nodeOnPath ?? process.execPath), unitEnv: {} });
  const selfTests = new Map<string, SelfTestReport>();
  for (const launch of launches) {
    const runtime = runtimes.find((r) => r.dir === launch.dir)!;
    const mismatch = engineMismatch(launch.node, runtime.engines ?? undefined, `openclaw ${runtime.version ?? "?"}`);
    if (mismatch) {
      const fix =
        launch.source === "service"
          ? `point ExecStart at a Node that satisfies it (clawmend launcher --node PATH writes such a drop-in)`
          : "put a Node that satisfies it first on PATH";
      problem(`${SOURCE_TEXT[launch.source]} would not start: ${mismatch}; ${fix}`);
    }
    if (options.selfTest) {
      const runEnv = { ...env, ...launch.unitEnv };
      const provider = runtime.providers[0] ? { name: runtime.providers[0].package, dir: runtime.providers[0].dir } : null;
      const key = JSON.stringify([launch.dir, launch.node.path, launch.unitEnv]);
      let report = selfTests.get(key);
      if (!report) {
        report = selfTest({
          runtimeDir: launch.dir,
          openclawVersion: runtime.version ?? "0.0.0",
          node: launch.node,
          provider,
          env: runEnv,
          config,
          openclawConfig: readOpenclawConfig(runEnv, options.cwd),
        });
        selfTests.set(key, report);
      }
      launch.selfTest = report;
      for (const line of launch.selfTest.problems) problem(`self-test of ${SOURCE_TEXT[launch.source]}: ${line}`);
      for (const line of launch.selfTest.notes) note(`self-test of ${SOURCE_TEXT[launch.source]}: ${line}`);
    }
  }

  // 4. The server, if asked.
  let probe: DoctorReport["probe"] = null;
  if (options.probe) {
    const result = await probeVllm(options.probe, env, options.probeTimeoutMs);
    const cfg = gateConfigOf(config.settings.vllm);
    const tc = toolCalling(cfg, env.OPENCLAW_VLLM_TOOLCALL);
    const gated = isGatedUrl(result.url, cfg);
    const agrees = result.toolCalling === "unknown" ? null : (result.toolCalling === "enabled") === tc.enabled;
    probe = { ...result, configToolCalling: tc.enabled, configSource: tc.source, gated, agrees };
    const parser = config.settings.vllm.toolCalling.parser;
    const launcherFlags = `--enable-auto-tool-choice --tool-call-parser ${parser}`;
    if (result.toolCalling === "unknown") {
      problem(
        `vLLM probe ${result.url}: ${result.detail}; check the server is running (clawmend launcher generates one that refuses to start into a crash loop)`,
      );
    } else if (result.toolCalling === "disabled") {
      if (tc.enabled) {
        problem(
          `vLLM at ${result.url} runs without auto tool choice (${result.detail}) but tool calling is enabled (${tc.source}): every request with tools fails with that 400; start vLLM with ${launcherFlags} or set vllm.toolCalling.enabled: false`,
        );
      } else if (!gated) {
        problem(
          `vLLM at ${result.url} runs without auto tool choice, and that endpoint is not gated by the config, so tools reach it and fail with HTTP 400; add ${new URL(result.url).origin} to vllm.endpoints (or start vLLM with ${launcherFlags})`,
        );
      } else {
        note(
          `vLLM at ${result.url}: auto tool choice disabled; the gate strips tools (vllm.toolCalling.enabled: false agrees). To use tools: start vLLM with ${launcherFlags} and set vllm.toolCalling.enabled: true`,
        );
      }
    } else if (!tc.enabled) {
      note(
        `vLLM at ${result.url}: auto tool choice enabled, but tool calling is disabled (${tc.source}): tools are stripped; set vllm.toolCalling.enabled: true to use them`,
      );
    } else {
      note(`vLLM at ${result.url}: auto tool choice enabled; agrees with ${tc.source}`);
    }
  }

  return { path, service, runtimes, launches, probe, findings, exitCode: findings.some((f) => f.severity === "problem") ? 1 : 0 };
}

/** The fix for an unpatched tree: patch it, or for a clawmend rebuild (a content-addressed `DEST.clawmend-<digest>`), rebuild DEST. */
export function fixFor(dir: string): string {
  const store = /^(.*)\.clawmend-[0-9a-f]{16}$/.exec(dir);
  if (store)
    return `it is a clawmend rebuild of ${store[1]}: run clawmend rebuild --from <the installed openclaw> --to ${store[1]} (with the config you want)`;
  return `run clawmend patch --root ${dir}`;
}

function realOrSelf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** The Node an ExecStart runs: its own executable when that is a Node, `env node` on PATH, or null. */
function serviceNode(execStart: string, env: NodeJS.ProcessEnv): string | null {
  const words = splitCommand(execStart);
  const isNode = (w: string) => /(?:^|\/)(?:node|nodejs)(?:\d+)?$/.test(w);
  if (words[0] && isNode(words[0])) return words[0].includes("/") ? words[0] : whichOnPath(words[0], env);
  if (words[0] && /(?:^|\/)env$/.test(words[0]) && words[1] && isNode(words[1])) return whichOnPath(words[1], env);
  return null;
}

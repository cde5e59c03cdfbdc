import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import satisfies from "semver/functions/satisfies.js";
import type { Config } from "../config/load.js";
import type { HelperSelfTest } from "../patches/builtin-patch.js";
import { builtinSelfTests } from "../patches/builtins.js";
import { gateConfigOf } from "../patches/gate-config.js";
import { isGatedUrl, isLoopbackHost, parseUrl, toolCalling, type GateConfig } from "../patches/runtime/gated-request.js";
import type { NodeRuntime } from "../system/node.js";
import { readManifest } from "../verify/manifest-read.js";
import type { OpenclawConfig, OpenclawProvider } from "./openclaw-config.js";
import type { HelperCheck, HelperOutcome, SelfTestInput, SelfTestOutput, WireRequest } from "./self-test-script/self-test.js";
import { selfTestScript } from "./self-test-script.generated.js";

/**
 * What OpenClaw itself does with `models.providers.<id>.models[].compat.supportsTools: false`,
 * by version (measured on the published packages; see docs/doctor.md):
 * - rejected: not in the strict config schema (2026.3.2 and earlier), OpenClaw refuses the config;
 * - runner: the agent runner hands the payload builder no tools, but the builder may still send
 *   an empty `tools: []` (pi-ai before 0.70.5; with tool history; OpenClaw's own transport);
 * - honoured: OpenClaw also deletes `tools`, `tool_choice` and `parallel_tool_calls` before
 *   sending (2026.5.12), and its own payload builder leaves them out (2026.5.22).
 */
const SUPPORTS_TOOLS: ReadonlyArray<{ range: string; effect: "rejected" | "runner" | "honoured"; note: string }> = [
  {
    range: "<2026.3.7-0",
    effect: "rejected",
    note: "an unknown key under this version's strict config schema: OpenClaw refuses the config",
  },
  {
    range: ">=2026.3.7-0 <2026.5.12-0",
    effect: "runner",
    note: "OpenClaw's agent runner passes no tools, but this version can still send an empty tools list",
  },
  { range: ">=2026.5.12-0", effect: "honoured", note: "OpenClaw strips the tool fields before sending" },
];

export function supportsToolsSwitch(version: string): (typeof SUPPORTS_TOOLS)[number] | null {
  return SUPPORTS_TOOLS.find((row) => satisfies(version, row.range, { includePrerelease: true })) ?? null;
}

export interface ProviderVerdict {
  id: string;
  baseUrl: string | null;
  model: string | null;
  /** Gated by clawmend, and why. */
  gated: "endpoint" | "provider id" | null;
  toolCalling: { enabled: boolean; source: string };
  /** `compat.supportsTools` as the operator's OpenClaw config sets it on the model. */
  supportsTools: boolean | null;
  /** How the request was built (the provider package and function). */
  driver: string;
  built: WireRequest | null;
  /** What reached the (recording) wire. */
  wire: WireRequest | null;
  toolsReachWire: boolean | null;
  /** The overlay retried the refused request without tools: it learns from the server. */
  learnsFromServer: boolean;
  problem: string | null;
  note: string | null;
}

/** One built-in's helper check: what it returned, and whether that is what the patch expects. */
export interface HelperVerdict extends HelperOutcome {
  ok: boolean;
}

export interface SelfTestReport {
  node: NodeRuntime;
  openclawConfig: Pick<OpenclawConfig, "path" | "from" | "found" | "error">;
  modules: SelfTestOutput["modules"];
  /**
   * The network guard process-wide, and `helpers`: one entry per built-in patch that declares a
   * helper check (`selfTest` in its spec) and edited a file of this runtime, by patch id.
   */
  guard: { processWide: unknown; processWideLogged: number; helpers: HelperVerdict[] } | null;
  providers: ProviderVerdict[];
  /** The self-test script did not run or did not answer. */
  error?: string;
  problems: string[];
  notes: string[];
}

export interface SelfTestOptions {
  runtimeDir: string;
  openclawVersion: string;
  node: NodeRuntime;
  /** The provider package the runtime resolves (name and directory). */
  provider: { name: string; dir: string } | null;
  /** The environment the runtime runs with (the service's Environment= over the doctor's). */
  env: NodeJS.ProcessEnv;
  config: Config;
  openclawConfig: OpenclawConfig;
  /** The helper checks to run (default: every built-in's `selfTest`, examples left out). */
  helperChecks?: readonly HelperSelfTest[];
}

/** The local providers: chat completions at a loopback host, a gated origin, or a gated provider id. */
function isLocal(p: OpenclawProvider, gate: GateConfig): boolean {
  if (p.api !== null && p.api !== "openai-completions") return false;
  if (gate.providers.includes(p.id)) return true;
  const url = parseUrl(p.baseUrl);
  return url !== null && (isLoopbackHost(url.hostname) || isGatedUrl(url.href, gate));
}

function chatUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/chat/completions`;
}

/** The model as OpenClaw hands it to its provider package. */
function modelOf(p: OpenclawProvider): Record<string, unknown> {
  const m = p.models[0];
  return {
    contextWindow: 32768,
    maxTokens: 1024,
    reasoning: false,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    ...(m?.raw ?? {}),
    id: m?.id ?? "model",
    name: m?.id ?? "model",
    api: "openai-completions",
    provider: p.id,
    baseUrl: p.baseUrl,
  };
}

/**
 * The entries that import what clawmend added, and each built-in's helper check on the first file
 * carrying that patch's sites, from the runtime's manifest (a patch that edited no file has none).
 */
function selfTestFiles(runtimeDir: string, checks: readonly HelperSelfTest[]): Pick<SelfTestInput, "entries" | "helperChecks"> {
  const manifest = readManifest(runtimeDir);
  const entries = new Map<string, string[]>();
  for (const [path, added] of Object.entries(manifest?.added ?? {})) {
    for (const importer of added.importers) {
      const specifier = posix.relative(posix.dirname(importer), path);
      entries.set(importer, [...(entries.get(importer) ?? []), specifier.startsWith(".") ? specifier : `./${specifier}`]);
    }
  }
  const helperChecks = checks.flatMap((check): HelperCheck[] => {
    const file = Object.entries(manifest?.files ?? {}).find(([, entry]) => (entry.sites[check.id]?.length ?? 0) > 0)?.[0];
    if (!file) return [];
    return [
      { id: check.id, file, name: check.helper.name, start: check.helper.start, end: check.helper.end, call: check.call, noun: check.noun },
    ];
  });
  return { entries: [...entries].map(([file, imports]) => ({ file, imports })), helperChecks };
}

/** Runs the self-test script with the runtime's Node; only the gate's switch of the runtime's environment reaches it (no keys). */
function runSelfTestScript(
  node: string,
  input: SelfTestInput,
  gateEnv: NodeJS.ProcessEnv,
): { output: SelfTestOutput | null; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), "clawmend-self-test-"));
  try {
    const script = join(dir, "self-test.mjs");
    const inputFile = join(dir, "input.json");
    writeFileSync(script, selfTestScript);
    writeFileSync(inputFile, JSON.stringify(input));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, NO_COLOR: "1" };
    const r = spawnSync(node, [script, inputFile], { cwd: dir, encoding: "utf8", timeout: 120_000, env: { ...env, ...gateEnv } });
    const line = r.stdout?.split("\n").find((l) => l.startsWith("@@CLAWMEND_SELF_TEST@@"));
    if (!line) {
      const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").slice(-1)[0] ?? ""}`;
      return { output: null, error: `the self-test script did not answer under ${node} (${why})` };
    }
    return { output: JSON.parse(line.slice("@@CLAWMEND_SELF_TEST@@".length)) as SelfTestOutput };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function selfTest(o: SelfTestOptions): SelfTestReport {
  const gate = gateConfigOf(o.config.settings.vllm);
  const problems: string[] = [];
  const notes: string[] = [];
  const openclawConfig = {
    path: o.openclawConfig.path,
    from: o.openclawConfig.from,
    found: o.openclawConfig.found,
    ...(o.openclawConfig.error ? { error: o.openclawConfig.error } : {}),
  };
  if (!o.openclawConfig.found) notes.push(`no OpenClaw config at ${o.openclawConfig.path} (${o.openclawConfig.from}): no provider to test`);
  if (o.openclawConfig.error) problems.push(`${o.openclawConfig.path}: OpenClaw's config does not parse (${o.openclawConfig.error})`);
  const local = o.openclawConfig.providers.filter((p) => isLocal(p, gate));
  if (o.openclawConfig.found && local.length === 0) notes.push(`${o.openclawConfig.path}: no local openai-completions provider`);

  const gateEnv: NodeJS.ProcessEnv =
    o.env.OPENCLAW_VLLM_TOOLCALL !== undefined ? { OPENCLAW_VLLM_TOOLCALL: o.env.OPENCLAW_VLLM_TOOLCALL } : {};
  const calling = toolCalling(gate, o.env.OPENCLAW_VLLM_TOOLCALL);

  const checks = o.helperChecks ?? builtinSelfTests();
  const files = selfTestFiles(o.runtimeDir, checks);
  const switchRow = supportsToolsSwitch(o.openclawVersion);
  const input: SelfTestInput = {
    runtimeDir: o.runtimeDir,
    ...files,
    provider: o.provider,
    providers: local
      .filter((p) => p.baseUrl !== null)
      .map((p) => ({
        id: p.id,
        url: chatUrl(p.baseUrl!),
        model: modelOf(p),
        passesTools: !(supportsToolsOf(p) === false && switchRow && switchRow.effect !== "rejected"),
      })),
  };
  /** The report of a self-test that could not run its script. */
  const notRun = (error: string, problem: string): SelfTestReport => ({
    node: o.node,
    openclawConfig,
    modules: [],
    guard: null,
    providers: [],
    error,
    problems: [...problems, problem],
    notes,
  });
  if (o.node.version === null) return notRun(o.node.error ?? "", `cannot run the self-test: ${o.node.path}: ${o.node.error}`);
  const { output, error } = runSelfTestScript(o.node.path, input, gateEnv);
  if (!output) return notRun(error ?? "", error ?? "the self-test script did not answer");

  for (const m of output.modules) {
    if (!m.ok)
      problems.push(
        `${m.entry} imports ${m.specifier}, which does not load under Node ${output.node} (${m.error}): run clawmend patch --root ${o.runtimeDir}`,
      );
  }
  const guardOk = isEmptyObject(output.guard.processWide) && output.guard.processWideLogged === 1;
  if (!guardOk) {
    problems.push(
      `a throwing os.networkInterfaces() is not guarded process-wide under Node ${output.node} (got ${JSON.stringify(output.guard.processWide)}, ${output.guard.processWideLogged} NETWORK_ENUM_DEGRADED lines): run clawmend patch --root ${o.runtimeDir}`,
    );
  }
  const helpers = output.guard.helpers.map((outcome): HelperVerdict => {
    const check = checks.find((c) => c.id === outcome.id)!;
    const ok = outcome.error === undefined && JSON.stringify(outcome.value) === JSON.stringify(check.expect);
    if (!ok) problems.push(`${check.what} in ${outcome.file} ${check.fails} (${outcome.error ?? JSON.stringify(outcome.value)})`);
    return { ...outcome, ok };
  });

  const providers = local.map((p): ProviderVerdict => {
    const turn = output.turns.find((t) => t.id === p.id);
    const url = p.baseUrl ?? "";
    const gated = gate.providers.includes(p.id) ? "provider id" : isGatedUrl(url, gate) ? "endpoint" : null;
    const supportsTools = supportsToolsOf(p);
    const posts = turn?.wire.filter((w) => w.method === "POST") ?? [];
    const wire = posts[0] ?? null;
    const retry = posts[1] ?? null;
    const strippedByOpenclaw = supportsTools === false && switchRow?.effect === "honoured";
    const reach = wire ? !strippedByOpenclaw && (wire.hasTools || wire.hasToolChoice) : null;
    const verdict: ProviderVerdict = {
      id: p.id,
      baseUrl: p.baseUrl,
      model: p.models[0]?.id ?? null,
      gated,
      toolCalling: gated ? calling : { enabled: gate.toolCalling, source: "not gated" },
      supportsTools,
      driver: turn?.driver ?? "none",
      built: turn?.built ?? null,
      wire,
      toolsReachWire: reach,
      learnsFromServer: reach === true && retry !== null && !retry.hasTools && !retry.hasToolChoice,
      problem: null,
      note: null,
    };
    const where = `provider ${p.id} (${url}, model ${verdict.model ?? "?"}; Node ${output.node} at ${o.node.path}; ${verdict.driver})`;
    if (supportsTools === false && switchRow?.effect === "rejected") {
      verdict.problem = `${where}: compat.supportsTools is ${switchRow.note}: remove it from ${o.openclawConfig.path}; the clawmend gate covers this provider${gated ? "" : " once gated"}`;
    }
    if (turn?.error || reach === null) {
      verdict.problem ??= `${where}: the self-test could not build its request (${turn?.error ?? "nothing reached the wire"})`;
      return verdict;
    }
    if (!reach) {
      const why = gated
        ? `the gate strips them (gated by ${gated}; tool calling ${calling.enabled ? "enabled" : "disabled"}, ${calling.source})`
        : supportsTools === false
          ? `compat.supportsTools: false (OpenClaw's own switch: ${switchRow?.note ?? "?"})`
          : "the request carries none";
      verdict.note = `${where}: no tools reach the wire: ${why}`;
      return verdict;
    }
    if (gated && calling.enabled) {
      verdict.note = `${where}: tools reach the wire, as tool calling is enabled (${calling.source}); the server must run with --enable-auto-tool-choice --tool-call-parser`;
      return verdict;
    }
    const origin = parseUrl(url)?.origin ?? url;
    if (!gated && verdict.learnsFromServer) {
      verdict.note = `${where}: tools reach the wire; the overlay learns from the server (one refused request per process): vLLM's tool-calling refusal is retried without tools, and later requests go out without them. To skip that one refused request, add ${JSON.stringify(origin)} to vllm.endpoints in ${o.config.file ?? "patches.config.ts"} and run clawmend patch --root ${o.runtimeDir}`;
      return verdict;
    }
    const switchFix =
      switchRow?.effect === "honoured"
        ? `; or OpenClaw's own switch: set models.providers.${p.id}.models[].compat.supportsTools: false in ${o.openclawConfig.path}`
        : "";
    const fix = gated
      ? `the payload builder the runtime resolves (${o.provider?.dir ?? "?"}) is not gated: run clawmend patch --root ${o.runtimeDir}`
      : `this endpoint is not gated, and no overlay learns from the server's refusal: add ${JSON.stringify(origin)} to vllm.endpoints in ${o.config.file ?? "patches.config.ts"} and run clawmend patch --root ${o.runtimeDir}${switchFix}`;
    const sends =
      wire!.tools === 0
        ? "an empty tools list"
        : `${wire!.tools ?? 0} tool(s)${wire!.hasToolChoice ? ` and tool_choice ${JSON.stringify(wire!.toolChoice)}` : ""}`;
    const despite = supportsTools === false ? ` despite compat.supportsTools: false (${switchRow?.note ?? "?"})` : "";
    verdict.problem ??= `${where}: the next agent turn sends ${sends}${despite} while tool calling is disabled (${calling.source}), which vLLM without --enable-auto-tool-choice answers with HTTP 400: ${fix}`;
    return verdict;
  });
  for (const v of providers) {
    if (v.problem) problems.push(v.problem);
    if (v.note) notes.push(v.note);
  }
  return { node: o.node, openclawConfig, modules: output.modules, guard: { ...output.guard, helpers }, providers, problems, notes };
}

function supportsToolsOf(p: OpenclawProvider): boolean | null {
  const value = p.models[0]?.compat?.supportsTools;
  return typeof value === "boolean" ? value : null;
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0;
}

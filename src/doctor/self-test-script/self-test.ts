/**
 * The doctor's self-test, run by the runtime's own Node (bundled into a standalone script by
 * scripts/embed.mjs; it imports nothing but Node's own modules). Sends nothing: `fetch` is
 * replaced before anything else loads by one that records the request and answers 400.
 *
 * 1. Makes `os.networkInterfaces` throw the way a hardened host does.
 * 2. Imports every module clawmend added, resolved from each entry that imports it.
 * 3. Checks the network guard process-wide (the overlay's), and each helper a built-in patch
 *    declares a check of (`selfTest` in its spec), cut out of a file that patch edited.
 * 4. For each provider: builds the request with the provider package the runtime resolves
 *    (its own exported builder or stream function), sends it through `fetch` (through the
 *    overlay's hook when one is installed), and reports what reached the wire, including the
 *    overlay's retry without tools after the refusal.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface SelfTestInput {
  runtimeDir: string;
  /** Entries and the added modules they import (specifiers relative to the entry). */
  entries: Array<{ file: string; imports: string[] }>;
  /**
   * The built-ins' helpers to check, one per patch id: the file (relative to the runtime) each is
   * cut out of, its name, how its declaration and its last statement start, and the call
   * (`(helper, probe) => value`, JavaScript) whose value is reported in `guard.helpers`.
   */
  helperChecks: HelperCheck[];
  /** The provider package the runtime resolves. */
  provider: { name: string; dir: string } | null;
  /** `passesTools`: whether OpenClaw's agent runner hands the builder its tools for this model. */
  providers: Array<{ id: string; url: string; model: Record<string, unknown>; passesTools: boolean }>;
}

export interface HelperCheck {
  /** The patch whose helper this is. */
  id: string;
  file: string;
  name: string;
  start: string;
  end: string;
  call: string;
  noun: string;
}

/** What one helper check returned (`value`), or why it could not run (`error`). */
export interface HelperOutcome {
  id: string;
  file: string;
  value: unknown;
  error?: string;
}

export interface WireRequest {
  url: string;
  method: string;
  keys: string[] | null;
  tools: number | null;
  hasTools: boolean;
  hasToolChoice: boolean;
  toolChoice: unknown;
}

export interface SelfTestOutput {
  node: string;
  modules: Array<{ entry: string; specifier: string; resolved: string; ok: boolean; error?: string }>;
  /** The guard process-wide, and each helper check of `input.helperChecks`, in that order. */
  guard: { processWide: unknown; processWideLogged: number; helpers: HelperOutcome[] };
  turns: Array<{ id: string; driver: string; built: WireRequest | null; wire: WireRequest[]; error?: string }>;
}

const VLLM_TOOL_CALLING_REFUSAL = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set';

const THROWN = "A system error occurred: uv_interface_addresses returned Unknown system error 1 (Unknown system error 1)";

const writes: string[] = [];
const realWrite = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
  writes.push(String(chunk));
  return (realWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stderr.write;

function throwing(): never {
  throw Object.assign(new Error(THROWN), { code: "ERR_SYSTEM_ERROR" });
}

function describePayload(url: string, method: string, payload: unknown): WireRequest {
  const p = payload !== null && typeof payload === "object" && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  return {
    url,
    method,
    keys: p ? Object.keys(p) : null,
    tools: p && Array.isArray(p.tools) ? p.tools.length : null,
    hasTools: p ? Object.prototype.hasOwnProperty.call(p, "tools") : false,
    hasToolChoice: p ? Object.prototype.hasOwnProperty.call(p, "tool_choice") : false,
    toolChoice: p ? (p.tool_choice ?? null) : null,
  };
}

const wire: WireRequest[] = [];

/** The only `fetch` the process has: records, never sends. */
async function recordingFetch(input: unknown, init?: { method?: string; body?: unknown }): Promise<Response> {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : String((input as { url?: string }).url);
  let payload: unknown = null;
  const body = init?.body;
  try {
    const text = typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : null;
    payload = text === null ? null : JSON.parse(text);
  } catch {
    payload = null;
  }
  const request = describePayload(url, init?.method ?? "GET", payload);
  wire.push(request);
  // Answers a request with tools the way vLLM without tool calling does, so that an installed
  // overlay shows whether it learns from that refusal (its retry is recorded too).
  const message = request.hasTools ? VLLM_TOOL_CALLING_REFUSAL : "clawmend doctor self-test: not sent";
  return new Response(JSON.stringify({ error: { message, type: "BadRequestError", param: null, code: 400 } }), {
    status: 400,
    headers: { "content-type": "application/json" },
  });
}

function exported(mod: Record<string, unknown>, names: readonly string[]): ((...args: unknown[]) => unknown) | null {
  for (const value of Object.values(mod)) {
    if (typeof value === "function" && names.includes(value.name)) return value as (...args: unknown[]) => unknown;
    if (value && typeof value === "object") {
      for (const inner of Object.values(value))
        if (typeof inner === "function" && names.includes(inner.name)) return inner as (...args: unknown[]) => unknown;
    }
  }
  for (const name of names) if (typeof mod[name] === "function") return mod[name] as (...args: unknown[]) => unknown;
  return null;
}

function exportTarget(pkgDir: string, subpath: string): string | null {
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { exports?: Record<string, unknown> };
  let target: unknown = pkg.exports?.[subpath];
  while (target && typeof target === "object") {
    const t = target as Record<string, unknown>;
    target = t.import ?? t.default ?? t.node ?? null;
  }
  return typeof target === "string" ? path.join(pkgDir, target) : null;
}

const TOOL = { name: "clawmend_self_test", description: "never called", parameters: { type: "object", properties: {} } };

function contextFor(turn: SelfTestInput["providers"][number]) {
  return {
    systemPrompt: "clawmend doctor self-test",
    messages: [{ role: "user", content: "ping", timestamp: 1_700_000_000_000 }],
    tools: turn.passesTools ? [TOOL] : [],
  };
}

/** Builds one turn's request with the provider package, by what it exports. */
async function buildTurn(input: SelfTestInput, turn: SelfTestInput["providers"][number]): Promise<SelfTestOutput["turns"][number]> {
  const from = wire.length;
  const provider = input.provider;
  if (!provider) return { id: turn.id, driver: "none", built: null, wire: [], error: "the runtime resolves no provider package" };
  const options = { apiKey: "clawmend-self-test", maxRetries: 0 };
  try {
    // @openclaw/ai: the exported payload builder (no network of its own), then the wire through fetch.
    const transports = exportTarget(provider.dir, "./transports");
    if (transports) {
      const mod = (await import(pathToFileURL(transports).href)) as Record<string, unknown>;
      const build = exported(mod, ["buildOpenAICompletionsParams"]);
      if (!build) throw new Error(`${provider.name}/transports exports no buildOpenAICompletionsParams`);
      const payload = await build(turn.model, contextFor(turn), options);
      await globalThis.fetch(turn.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
      return {
        id: turn.id,
        driver: `${provider.name}/transports buildOpenAICompletionsParams`,
        built: describePayload(turn.url, "POST", payload),
        wire: wire.slice(from),
      };
    }
    // pi-ai: the provider's stream function, which builds the request and sends it through fetch.
    for (const file of ["dist/providers/openai-completions.js", "dist/api/openai-completions.js"]) {
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(path.join(provider.dir, file)).href)) as Record<string, unknown>;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(file)) continue;
        throw error;
      }
      const stream = exported(mod, ["streamOpenAICompletions", "stream"]);
      if (!stream) throw new Error(`${provider.name} ${file} exports no stream function`);
      let built: unknown = null;
      const s = (await stream(turn.model, contextFor(turn), { ...options, onPayload: (p: unknown) => void (built = p) })) as {
        result?: () => Promise<unknown>;
      };
      await s.result?.();
      return {
        id: turn.id,
        driver: `${provider.name} ${file} ${stream.name}`,
        built: built === null ? null : describePayload(turn.url, "POST", built),
        wire: wire.slice(from),
      };
    }
    throw new Error(`no driver for ${provider.name}: neither ./transports nor dist/*/openai-completions.js`);
  } catch (error) {
    return {
      id: turn.id,
      driver: provider.name,
      built: null,
      wire: wire.slice(from),
      error: String((error as Error)?.message ?? error).split("\n")[0],
    };
  }
}

/** Cuts one helper out of the file a patch edited and runs its check on it. */
function runHelperCheck(runtimeDir: string, check: HelperCheck): HelperOutcome {
  const outcome: HelperOutcome = { id: check.id, file: check.file, value: null };
  try {
    const text = readFileSync(path.join(runtimeDir, check.file), "utf8");
    const start = text.lastIndexOf(check.start);
    // The helper's body is plain declarations (column 0): it ends after its own last statement.
    const call = start === -1 ? -1 : text.indexOf(check.end, start);
    const end = call === -1 ? -1 : text.indexOf("\n}", call);
    if (end === -1) throw new Error(`no ${check.noun} in ${check.file}`);
    const helper = new Function(`${text.slice(start, end + 2)}\nreturn ${check.name};`)() as unknown;
    const run = new Function(`return (${check.call});`)() as (helper: unknown, probe: { throwing: () => never; os: unknown }) => unknown;
    outcome.value = run(helper, { throwing, os });
  } catch (error) {
    outcome.error = String((error as Error)?.message ?? error).split("\n")[0];
  }
  return outcome;
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as SelfTestInput;
  const osModule = os as unknown as { networkInterfaces: () => unknown };
  osModule.networkInterfaces = throwing;
  createRequire(import.meta.url)("node:module").syncBuiltinESMExports();
  Object.defineProperty(globalThis, "fetch", { value: recordingFetch, writable: true, configurable: true });

  const modules: SelfTestOutput["modules"] = [];
  for (const entry of input.entries) {
    for (const specifier of entry.imports) {
      const resolved = path.resolve(path.dirname(path.join(input.runtimeDir, entry.file)), specifier);
      try {
        await import(pathToFileURL(resolved).href);
        modules.push({ entry: entry.file, specifier, resolved, ok: true });
      } catch (error) {
        modules.push({
          entry: entry.file,
          specifier,
          resolved,
          ok: false,
          error: String((error as Error)?.message ?? error).split("\n")[0],
        });
      }
    }
  }

  const before = writes.length;
  let processWide: unknown;
  try {
    processWide = (os as unknown as { networkInterfaces: () => unknown }).networkInterfaces();
  } catch (error) {
    processWide = { threw: String((error as Error).message) };
  }
  const processWideLogged = writes
    .slice(before)
    .join("")
    .split("\n")
    .filter((l) => l.startsWith("NETWORK_ENUM_DEGRADED: ")).length;
  const guard: SelfTestOutput["guard"] = {
    processWide,
    processWideLogged,
    helpers: input.helperChecks.map((check) => runHelperCheck(input.runtimeDir, check)),
  };

  const turns: SelfTestOutput["turns"] = [];
  for (const turn of input.providers) turns.push(await buildTurn(input, turn));
  const output: SelfTestOutput = { node: process.version, modules, guard, turns };
  process.stdout.write(`\n@@CLAWMEND_SELF_TEST@@${JSON.stringify(output)}\n`);
}

await main();

/**
 * The one decision shared by the vLLM tool gate (in the payload builder) and the runtime overlay
 * (at the fetch boundary): which requests are gated, and what leaves them. Runs inside OpenClaw:
 * no imports beyond this folder, nothing read at load time (`process.env` is read per call).
 */

/** The settings baked into the code clawmend inserts (one JSON literal). */
export interface GateConfig {
  /** Origins (`http://host:port`) always gated: `vllm.endpoints` and the launcher's address. */
  origins: string[];
  /** Ports on which loopback hosts (localhost, 127.0.0.0/8, [::1], 0.0.0.0) are gated. */
  loopbackPorts: number[];
  /** Provider ids always gated (the payload builder knows them; the fetch layer does not). */
  providers: string[];
  /** `vllm.toolCalling.enabled` at patch time; `OPENCLAW_VLLM_TOOLCALL=1|0` overrides it. */
  toolCalling: boolean;
}

export interface Decision {
  removed: string[];
  tools: number;
  reason: "tool_calling_disabled" | "tool_choice_without_tools";
}

export interface ToolCalling {
  enabled: boolean;
  source: string;
}

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** The variable `name` of this process's environment, read now. */
export function env(name: string): string | undefined {
  try {
    if (typeof process === "undefined" || !process || !process.env) return undefined;
    const v = process.env[name];
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** `1/true/yes/on` → true, `0/false/no/off` → false, anything else (or unset) → null. */
export function parseFlag(raw: string | undefined): boolean | null {
  if (raw === undefined) return null;
  const v = raw.trim().toLowerCase();
  if (v === "1" || v === "true" || v === "yes" || v === "on") return true;
  if (v === "0" || v === "false" || v === "no" || v === "off") return false;
  return null;
}

/** The flag `name` of this process's environment (see `parseFlag`). */
export function envFlag(name: string): boolean | null {
  return parseFlag(env(name));
}

/** An http(s) URL from a string or URL-like value, else null. */
export function parseUrl(u: unknown): URL | null {
  let s: string | null = null;
  if (typeof u === "string") s = u;
  else if (u !== null && typeof u === "object" && typeof (u as { href?: unknown }).href === "string") s = (u as { href: string }).href;
  if (s === null || typeof URL !== "function") return null;
  let x: URL;
  try {
    x = new URL(s);
  } catch {
    return null;
  }
  return x.protocol === "http:" || x.protocol === "https:" ? x : null;
}

/** The origin of a URL (never its path, query or credentials), or null. */
export function safeOrigin(u: unknown): string | null {
  const x = parseUrl(u);
  return x ? x.origin : null;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = String(hostname).toLowerCase();
  if (h === "localhost" || h === "[::1]" || h === "0.0.0.0") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && Number(m[1]) <= 255 && Number(m[2]) <= 255 && Number(m[3]) <= 255;
}

export function isGatedUrl(u: unknown, cfg: GateConfig): boolean {
  const x = parseUrl(u);
  if (!x) return false;
  if (cfg.origins.indexOf(x.origin) !== -1) return true;
  const port = x.port ? Number(x.port) : x.protocol === "https:" ? 443 : 80;
  return isLoopbackHost(x.hostname) && cfg.loopbackPorts.indexOf(port) !== -1;
}

export function isGatedModel(model: unknown, cfg: GateConfig): boolean {
  if (model === null || typeof model !== "object") return false;
  const m = model as { provider?: unknown; baseUrl?: unknown };
  if (typeof m.provider === "string" && cfg.providers.indexOf(m.provider) !== -1) return true;
  return isGatedUrl(m.baseUrl, cfg);
}

/** Whether tool calling is on: `OPENCLAW_VLLM_TOOLCALL` (this process's, or the value given) over the config. */
export function toolCalling(cfg: GateConfig, raw: string | undefined = env("OPENCLAW_VLLM_TOOLCALL")): ToolCalling {
  const flag = parseFlag(raw);
  if (flag !== null) return { enabled: flag, source: "env:OPENCLAW_VLLM_TOOLCALL" };
  return { enabled: cfg.toolCalling === true, source: "config:vllm.toolCalling.enabled" };
}

/**
 * What to remove from a payload: everything tool-related when gated without tool calling;
 * always a `tool_choice` without a non-empty `tools`. Null: leave it as it is.
 */
export function decide(payload: unknown, gated: boolean, toolCallingEnabled: boolean): Decision | null {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return null;
  const p = payload as { tools?: unknown; tool_choice?: unknown };
  const count = Array.isArray(p.tools) ? p.tools.length : 0;
  if (gated && !toolCallingEnabled) {
    const removed: string[] = [];
    if (hasOwn(p, "tools")) removed.push("tools");
    if (hasOwn(p, "tool_choice")) removed.push("tool_choice");
    if (removed.length === 0) return null;
    return { removed, tools: count, reason: "tool_calling_disabled" };
  }
  if (hasOwn(p, "tool_choice") && p.tool_choice !== undefined && count === 0) {
    return { removed: ["tool_choice"], tools: 0, reason: "tool_choice_without_tools" };
  }
  return null;
}

/** A shallow copy without `keys`, with the same prototype and key order. */
export function without<T extends object>(payload: T, keys: readonly string[]): T {
  const out = Object.create(Object.getPrototypeOf(payload)) as Record<string, unknown>;
  for (const key of Object.keys(payload)) {
    if (keys.indexOf(key) === -1) out[key] = (payload as Record<string, unknown>)[key];
  }
  return out as T;
}

/** One JSON line on stderr; never throws. */
export function emit(line: object): void {
  try {
    if (typeof process !== "undefined" && process && process.stderr && typeof process.stderr.write === "function") {
      process.stderr.write(`${JSON.stringify(line)}\n`);
    }
  } catch {
    // a closed stderr must not break a request
  }
}

/** True the first time it is called with `key` in this process (across every copy of this code). */
export function once(key: string): boolean {
  try {
    const symbol = Symbol.for(key);
    const g = globalThis as Record<symbol, unknown>;
    if (g[symbol]) return false;
    Object.defineProperty(globalThis, symbol, { value: true, configurable: true, writable: true });
    return true;
  } catch {
    return false;
  }
}

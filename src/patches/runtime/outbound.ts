/**
 * One fetch call as the overlay reads it: the target, the method, the body (read without
 * consuming it) and, for a JSON object body, the payload; and the same call with another payload.
 */
import { parseUrl } from "./gated-request.js";

export interface BodyRead {
  kind: "string" | "bytes" | "request" | "none" | "other";
  text: string | null;
}

export interface Outbound {
  url: URL;
  method: string;
  init: Record<string, unknown> | null;
  read: BodyRead;
  /** The body as a JSON object, or null. */
  payload: Record<string, unknown> | null;
  model: string | null;
}

function readBody(body: unknown): BodyRead {
  if (typeof body === "string") return { kind: "string", text: body };
  if (body !== null && typeof body === "object" && typeof Uint8Array === "function" && body instanceof Uint8Array) {
    try {
      return { kind: "bytes", text: new TextDecoder("utf-8", { fatal: true }).decode(body) };
    } catch {
      return { kind: "bytes", text: null };
    }
  }
  return { kind: body === undefined || body === null ? "none" : "other", text: null };
}

function jsonObject(text: string | null): Record<string, unknown> | null {
  if (text === null || !/^\s*\{/.test(text)) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The call `fetch(input, init)` as the overlay reads it, or null when its target is not an http(s) URL. */
export function readOutbound(input: unknown, init: unknown): Outbound | null {
  let url: URL | null = null;
  let request: { method: string } | null = null;
  if (typeof input === "string") url = parseUrl(input);
  else if (input !== null && typeof input === "object") {
    const i = input as { url?: unknown; method?: unknown; href?: unknown };
    if (typeof URL === "function" && input instanceof URL) url = parseUrl(input.href);
    else if (typeof i.url === "string" && typeof i.method === "string") {
      request = { method: i.method };
      url = parseUrl(i.url);
    } else if (typeof i.href === "string") url = parseUrl(i.href);
  }
  if (url === null) return null;
  const o = init !== null && typeof init === "object" ? (init as Record<string, unknown>) : null;
  const read: BodyRead = request ? { kind: "request", text: null } : readBody(o ? o.body : undefined);
  const payload = jsonObject(read.text);
  const method = (o && typeof o.method === "string" && o.method) || (request ? request.method : "GET");
  return {
    url,
    method: String(method).toUpperCase(),
    init: o,
    read,
    payload,
    model: payload !== null && typeof payload.model === "string" ? payload.model : null,
  };
}

export function utf8Length(text: string): number | null {
  try {
    return typeof Buffer === "function" ? Buffer.byteLength(text, "utf8") : new TextEncoder().encode(text).length;
  } catch {
    return null;
  }
}

function headerLength(h: unknown): number | null {
  try {
    if (h === null || typeof h !== "object") return null;
    let v: unknown = null;
    if (Array.isArray(h)) {
      for (const pair of h) if (pair && String(pair[0]).toLowerCase() === "content-length") v = pair[1];
    } else if (typeof (h as { get?: unknown }).get === "function") {
      v = (h as { get(name: string): unknown }).get("content-length");
    } else {
      for (const key of Object.keys(h)) if (key.toLowerCase() === "content-length") v = (h as Record<string, unknown>)[key];
    }
    const n = v === null || v === undefined ? Number.NaN : Number(v);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** The length of the body as sent: its bytes, or the content-length header when it cannot be read. */
export function bodyLength(out: Outbound): number | null {
  if (out.read.text === null) return headerLength(out.init ? out.init.headers : null);
  return out.read.kind === "bytes" ? (out.init!.body as Uint8Array).byteLength : utf8Length(out.read.text);
}

/** The headers with `content-length` set to `length` (same shape as given), or as they are. */
function fixContentLength(h: unknown, length: number): unknown {
  const v = String(length);
  if (h === null || h === undefined || typeof h !== "object") return h;
  if (Array.isArray(h)) {
    let changed = false;
    const pairs = h.map((p: unknown[]) => {
      if (p && p.length >= 2 && String(p[0]).toLowerCase() === "content-length") {
        changed = true;
        return [p[0], v];
      }
      return p;
    });
    return changed ? pairs : h;
  }
  const maybeHeaders = h as { forEach?: unknown; has?: unknown };
  if (typeof maybeHeaders.forEach === "function" && typeof maybeHeaders.has === "function") {
    const headers = h as { has(name: string): boolean; forEach(cb: (value: string, name: string) => void): void };
    if (!headers.has("content-length")) return h;
    const list: Array<[string, string]> = [];
    headers.forEach((value, name) => list.push([name, String(name).toLowerCase() === "content-length" ? v : value]));
    return list;
  }
  const copy: Record<string, unknown> = {};
  let hit = false;
  for (const key of Object.keys(h)) {
    if (key.toLowerCase() === "content-length") {
      copy[key] = v;
      hit = true;
    } else copy[key] = (h as Record<string, unknown>)[key];
  }
  return hit ? copy : h;
}

/** The same call with `payload` as its body (same body type, content-length fixed), and the new length. */
export function withPayload(out: Outbound, payload: Record<string, unknown>): { out: Outbound; length: number | null } {
  const o = out.init ?? {};
  const text = JSON.stringify(payload);
  let body: string | Uint8Array;
  if (out.read.kind === "string") body = text;
  else if (typeof Buffer === "function" && Buffer.isBuffer(o.body)) body = Buffer.from(text, "utf8");
  else body = new TextEncoder().encode(text);
  const length = typeof body === "string" ? utf8Length(body) : body.byteLength;
  const init: Record<string, unknown> = Object.assign({}, o);
  init.body = body;
  if (o.headers !== undefined) init.headers = fixContentLength(o.headers, length ?? 0);
  return { out: { ...out, init, payload, read: { kind: out.read.kind, text } }, length };
}

/** The target as a log may show it: origin and path, the query redacted. */
export function targetUrl(x: URL): string {
  return x.origin + x.pathname + (x.search ? "?<redacted>" : "");
}

import { startProcess } from "../support/run.js";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import type { PatchSpec } from "../../src/core/spec.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { gateConfigOf } from "../../src/patches/gate-config.js";
import { FETCH_WRAPPED_KEY, OVERLAY_INSTALLED_KEY } from "../../src/patches/runtime/symbols.js";
import { overlayModule } from "../../src/patches/builtin/runtime-overlay/spec.js";
import { planFile } from "../../src/transforms/plan.js";
import { builtinMarker } from "../support/markers.js";

/**
 * The runtime overlay at run time: the module the overlay patch adds, in real child processes
 * (it hooks the process's fetch and undici), against two local servers, one of them gated.
 */
const MARKER = builtinMarker("runtime-overlay");

/** The gate settings with these endpoints (over the defaults). */
function gateWith(endpoints: string[]) {
  return gateConfigOf({ ...defaultSettings().vllm, endpoints });
}

/** An entry as the overlay patch edits it, with the module it adds written beside it. */
function patchedEntry(into: string, file: string, code: string): string {
  const spec = builtinPatches({ vllm: { ...defaultSettings().vllm, endpoints: [gated] } }).find(
    (s) => s.id === "runtime-overlay",
  ) as PatchSpec;
  const plan = planFile({ code, file, format: file.endsWith(".cjs") ? "cjs" : "esm", specs: [spec] });
  for (const added of plan.outcomes[0]!.added) writeFileSync(join(into, added.path), added.content);
  return plan.output!;
}

interface Received {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const received: Received[] = [];
const servers: Server[] = [];
let gated = "";
let plain = "";
let dir = "";

function listen(): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ url: req.url ?? "", method: req.method ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function at(path: string): Received[] {
  return received.filter((r) => r.url.startsWith(path));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script file from the temp dir in a child Node (async: the servers live in this process). */
function run(file: string, source: string, env: Record<string, string> = {}): Promise<Run> {
  if (!file.startsWith("/")) writeFileSync(join(dir, file), source);
  const childEnv: Record<string, string> = { GATED: gated, PLAIN: plain, PATH: process.env.PATH ?? "" };
  Object.assign(childEnv, env);
  return new Promise((resolve, reject) => {
    const child = startProcess(process.execPath, [file.startsWith("/") ? file : join(dir, file)], { cwd: dir, env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const PAYLOAD = {
  model: "qwen-local",
  messages: [{ role: "user", content: "top-secret-message-body" }],
  stream: false,
  tools: [
    { type: "function", function: { name: "read_file", parameters: { type: "object" } } },
    { type: "function", function: { name: "exec", parameters: { type: "object" } } },
  ],
  tool_choice: "auto",
};
const PAYLOAD_JSON = JSON.stringify(PAYLOAD);

beforeAll(async () => {
  gated = await listen();
  plain = await listen();
  dir = mkdtempSync(join(tmpdir(), "clawmend-overlay-"));
  const cfg = gateWith([gated]);
  writeFileSync(join(dir, "package.json"), '{"type":"module"}');
  writeFileSync(join(dir, "overlay.mjs"), overlayModule(cfg, "esm", MARKER));
  writeFileSync(join(dir, "overlay-copy.mjs"), overlayModule(cfg, "esm", MARKER));
  writeFileSync(join(dir, "overlay.cjs"), overlayModule(cfg, "cjs", MARKER));
  // A stand-in for the `undici` package (the real one is proven end to end elsewhere): a CJS
  // module exporting `fetch` that records what it was called with instead of sending.
  const fakeUndici = (id: string) =>
    `"use strict";
const calls = [];
module.exports.id = ${JSON.stringify(id)};
module.exports.calls = calls;
module.exports.fetch = async function fetch(input, init) {
  calls.push({ input: String(input), body: init && init.body != null ? String(Buffer.from(init.body)) : null, dispatcher: init && init.dispatcher, headers: init && init.headers });
  return { ok: true, status: 200 };
};
`;
  const undiciDir = join(dir, "node_modules", "undici");
  mkdirSync(undiciDir, { recursive: true });
  writeFileSync(join(undiciDir, "package.json"), '{"name":"undici","version":"0.0.0-fake","main":"index.js"}');
  writeFileSync(join(undiciDir, "index.js"), fakeUndici("top"));
  const aiDir = join(dir, "node_modules", "@openclaw", "ai");
  mkdirSync(join(aiDir, "node_modules", "undici"), { recursive: true });
  writeFileSync(join(aiDir, "package.json"), '{"name":"@openclaw/ai","version":"0.0.0-fake","exports":{".":"./index.js"}}');
  writeFileSync(join(aiDir, "node_modules", "undici", "package.json"), '{"name":"undici","version":"0.0.1-fake","main":"index.js"}');
  writeFileSync(join(aiDir, "node_modules", "undici", "index.js"), fakeUndici("nested"));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const POST = (path: string, body: string, extra = "") => `await fetch(process.env.GATED + ${JSON.stringify(path)}, {
  method: "POST",
  headers: { "content-type": "application/json", "Content-Length": String(Buffer.byteLength(${body})) ${extra} },
  body: ${body},
})`;

describe("runtime overlay at the fetch boundary (child processes)", () => {
  it("sanitises a gated request (string and Uint8Array bodies), fixes content-length, warns once per shape", async () => {
    const r = await run(
      "sanitise.mjs",
      `import "./overlay.mjs";
const body = ${JSON.stringify(PAYLOAD_JSON)};
const a = ${POST("/sanitise/a/v1/chat/completions", "body")};
const b = ${POST("/sanitise/a/v1/chat/completions", "body")};
const c = await fetch(process.env.GATED + "/sanitise/bytes/v1/chat/completions", { method: "POST", body: new TextEncoder().encode(body), headers: [["content-type", "application/json"]] });
const d = await fetch(process.env.GATED + "/sanitise/buf/v1/chat/completions", { method: "POST", body: Buffer.from(body), headers: new Headers({ "content-length": String(Buffer.byteLength(body)) }) });
console.log(JSON.stringify([a.status, b.status, c.status, d.status]));
`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([200, 200, 200, 200]);
    const got = at("/sanitise/");
    expect(got).toHaveLength(4);
    for (const g of got) {
      const sent = JSON.parse(g.body.toString("utf8"));
      expect(sent).toEqual({ model: "qwen-local", messages: PAYLOAD.messages, stream: false });
      expect(Number(g.headers["content-length"])).toBe(g.body.length);
    }
    const warns = jsonLines(r.stderr).filter((l) => l.msg === "tool_payload_sanitized");
    // three shapes (three paths), the repeated one warned once
    expect(warns).toHaveLength(3);
    expect(warns[0]).toMatchObject({
      level: "warn",
      callsite_tag: "gateway.edge.final_dispatch",
      endpoint: gated,
      model: "qwen-local",
      removed: ["tools", "tool_choice"],
      tools: 2,
    });
    expect(r.stderr).not.toContain("top-secret-message-body");
  });

  it("tool_choice without tools is removed even with tool calling enabled; a valid tools payload passes untouched", async () => {
    const r = await run(
      "invariant.mjs",
      `import "./overlay.mjs";
const bad = JSON.stringify({ model: "m", tools: [], tool_choice: "auto" });
const good = ${JSON.stringify(PAYLOAD_JSON)};
await fetch(process.env.GATED + "/invariant/bad", { method: "POST", body: bad });
await fetch(process.env.GATED + "/invariant/good", { method: "POST", body: good });
`,
      { OPENCLAW_VLLM_TOOLCALL: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(at("/invariant/bad")[0]!.body.toString())).toEqual({ model: "m", tools: [] });
    expect(at("/invariant/good")[0]!.body.toString()).toBe(PAYLOAD_JSON);
  });

  it("strict mode answers with a synthetic 400 (OpenAI error shape), sends nothing, logs once per request", async () => {
    const r = await run(
      "strict.mjs",
      `import "./overlay.mjs";
const out = [];
for (let i = 0; i < 2; i++) {
  const res = ${POST("/strict/v1/chat/completions", JSON.stringify(PAYLOAD_JSON), ', authorization: "Bearer sk-strict-secret"')};
  out.push({ status: res.status, ok: res.ok, type: res.headers.get("content-type"), refused: res.headers.get("x-clawmend-refused"), body: await res.json() });
}
console.log(JSON.stringify(out));
`,
      { OPENCLAW_STRICT_TOOL_PAYLOAD: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(2);
    const res = out[0];
    expect(res).toMatchObject({ status: 400, ok: false, type: "application/json", refused: "TOOL_PAYLOAD_SANITIZER_BYPASSED" });
    expect(res.body.error).toMatchObject({
      type: "clawmend_strict_tool_payload",
      code: "TOOL_PAYLOAD_SANITIZER_BYPASSED",
      origin: gated,
      model: "qwen-local",
      callsite_tag: "gateway.edge.final_dispatch",
      removed: ["tools", "tool_choice"],
    });
    expect(res.body.error.remediation).toMatch(/clawmend doctor/);
    expect(res.body.error.message).toMatch(/^TOOL_PAYLOAD_SANITIZER_BYPASSED: /);
    expect(res.body.error.message).toContain(res.body.error.remediation);
    expect(out[1]).toEqual(res);
    expect(at("/strict/")).toHaveLength(0);
    const lines = jsonLines(r.stderr).filter((l) => l.code === "TOOL_PAYLOAD_SANITIZER_BYPASSED");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: "error",
      origin: gated,
      model: "qwen-local",
      callsite_tag: "gateway.edge.final_dispatch",
      via: "globalThis.fetch",
    });
    expect(r.stderr + r.stdout).not.toMatch(/sk-strict-secret|authorization|top-secret/i);
  });

  it("trace: one line per gated request, no headers, keys, query values or message bodies", async () => {
    const r = await run(
      "trace.mjs",
      `import "./overlay.mjs";
const body = ${JSON.stringify(PAYLOAD_JSON)};
await fetch(process.env.GATED + "/trace/v1/chat/completions?api-key=sk-query-secret", {
  method: "POST",
  headers: { authorization: "Bearer sk-header-secret", "x-api-key": "sk-other-secret", "content-type": "application/json" },
  body,
});
await fetch(process.env.GATED + "/trace/v1/models", { headers: { authorization: "Bearer sk-header-secret" } });
await fetch(process.env.PLAIN + "/trace/elsewhere", { method: "POST", body });
`,
      { OPENCLAW_TRACE_VLLM_OUTBOUND: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stderr);
    const traces = lines.filter((l) => l.event === "vllm_outbound_trace");
    expect(traces).toHaveLength(2);
    expect(traces[0]).toMatchObject({
      subsystem: "tool_payload_trace",
      target_url: `${gated}/trace/v1/chat/completions?<redacted>`,
      method: "POST",
      payload_top_keys: ["model", "messages", "stream"],
      has_tools: false,
      has_tool_choice: false,
      callsite_tag: "gateway.edge.final_dispatch",
      action: "sanitized",
    });
    expect(traces[0]!.content_length).toBe(at("/trace/v1/chat/completions")[0]!.body.length);
    expect(typeof traces[0]!.ts).toBe("string");
    expect(String(traces[0]!.stack_fingerprint)).toMatch(/trace\.mjs:\d+/);
    expect(String(traces[0]!.stack_fingerprint)).not.toMatch(/overlay\.mjs|:\d+:\d+/);
    expect(traces[1]).toMatchObject({ method: "GET", target_url: `${gated}/trace/v1/models`, payload_top_keys: null, has_tools: null });
    expect(lines.filter((l) => l.msg === "clawmend_overlay_installed")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/sk-|secret|authorization|bearer|x-api-key|top-secret-message/i);
  });

  it("non-gated hosts are untouched byte for byte", async () => {
    const odd = ' {"tools": [ {"type":"function"} ],  "tool_choice":"auto" , "model":"x"}  ';
    const r = await run(
      "plain.mjs",
      `import "./overlay.mjs";
const odd = ${JSON.stringify(odd)};
await fetch(process.env.PLAIN + "/plain/str", { method: "POST", body: odd, headers: { "content-length": String(Buffer.byteLength(odd)) } });
await fetch(process.env.PLAIN + "/plain/bytes", { method: "POST", body: new TextEncoder().encode(odd) });
`,
      { OPENCLAW_STRICT_TOOL_PAYLOAD: "1", OPENCLAW_TRACE_VLLM_OUTBOUND: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(at("/plain/str")[0]!.body.toString()).toBe(odd);
    expect(at("/plain/bytes")[0]!.body.toString()).toBe(odd);
    expect(jsonLines(r.stderr).filter((l) => l.event === "vllm_outbound_trace")).toHaveLength(0);
  });

  it("ReadableStream bodies, non-JSON bodies and Request objects pass through untouched", async () => {
    const r = await run(
      "passthrough.mjs",
      `import "./overlay.mjs";
const body = ${JSON.stringify(PAYLOAD_JSON)};
const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(body)); c.close(); } });
await fetch(process.env.GATED + "/pass/stream", { method: "POST", body: stream, duplex: "half" });
await fetch(process.env.GATED + "/pass/text", { method: "POST", body: "tools=1&tool_choice=auto" });
await fetch(process.env.GATED + "/pass/broken", { method: "POST", body: '{"tools": [1], "tool_choice": ' });
await fetch(new Request(process.env.GATED + "/pass/request", { method: "POST", body }));
`,
      { OPENCLAW_STRICT_TOOL_PAYLOAD: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(at("/pass/stream")[0]!.body.toString()).toBe(PAYLOAD_JSON);
    expect(at("/pass/text")[0]!.body.toString()).toBe("tools=1&tool_choice=auto");
    expect(at("/pass/broken")[0]!.body.toString()).toBe('{"tools": [1], "tool_choice": ');
    expect(at("/pass/request")[0]!.body.toString()).toBe(PAYLOAD_JSON);
  });

  it("the CJS variant works the same", async () => {
    const r = await run(
      "cjs-main.cjs",
      `require("./overlay.cjs");
(async () => {
  const res = await fetch(process.env.GATED + "/cjs/v1/chat/completions", { method: "POST", body: ${JSON.stringify(PAYLOAD_JSON)} });
  console.log(res.status);
})();
`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(at("/cjs/")[0]!.body.toString())).not.toHaveProperty("tools");
    expect(jsonLines(r.stderr).filter((l) => l.msg === "tool_payload_sanitized")).toHaveLength(1);
  });

  it("importing ESM + CJS + a second ESM copy installs once (one trace line per request)", async () => {
    const wrapped = FETCH_WRAPPED_KEY;
    const r = await run(
      "twice.mjs",
      `import "./overlay.mjs";
import "./overlay-copy.mjs";
import { createRequire } from "node:module";
createRequire(import.meta.url)("./overlay.cjs");
await import("./overlay.mjs?again");
const inner = globalThis.fetch[Symbol.for(${JSON.stringify(wrapped)})];
console.log(JSON.stringify({ wrapped: typeof inner === "function", double: typeof inner[Symbol.for(${JSON.stringify(wrapped)})] === "function" }));
await fetch(process.env.GATED + "/twice/v1/chat/completions", { method: "POST", body: ${JSON.stringify(PAYLOAD_JSON)} });
`,
      { OPENCLAW_TRACE_VLLM_OUTBOUND: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ wrapped: true, double: false });
    const lines = jsonLines(r.stderr);
    expect(lines.filter((l) => l.msg === "clawmend_overlay_installed")).toHaveLength(1);
    expect(lines.filter((l) => l.event === "vllm_outbound_trace")).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "tool_payload_sanitized")).toHaveLength(1);
  });

  it("a fetch assigned to globalThis later is guarded too; a wrapper around ours is inspected once", async () => {
    const r = await run(
      "reassign.mjs",
      `import "./overlay.mjs";
const body = ${JSON.stringify(PAYLOAD_JSON)};
const guarded = globalThis.fetch;
const seen = [];
globalThis.fetch = async (url, init) => { seen.push(JSON.parse(init.body)); return new Response("{}"); };
await fetch(process.env.GATED + "/reassign/replaced", { method: "POST", body });
globalThis.fetch = (url, init) => guarded(url, init);
await fetch(process.env.GATED + "/reassign/wrapped", { method: "POST", body });
console.log(JSON.stringify(seen));
`,
      { OPENCLAW_TRACE_VLLM_OUTBOUND: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ model: "qwen-local", messages: PAYLOAD.messages, stream: false }]);
    expect(JSON.parse(at("/reassign/wrapped")[0]!.body.toString())).not.toHaveProperty("tools");
    expect(jsonLines(r.stderr).filter((l) => l.event === "vllm_outbound_trace")).toHaveLength(2);
  });

  it("prints nothing at import without the trace flag (CLI output stays clean)", async () => {
    for (const [file, src] of [
      ["version.mjs", 'import "./overlay.mjs";\nconsole.log("2026.2.26");\n'],
      ["version.cjs", 'require("./overlay.cjs");\nconsole.log("2026.2.26");\n'],
    ] as const) {
      const r = await run(file, src);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("2026.2.26\n");
      expect(r.stderr).toBe("");
    }
  });
});

describe("runtime overlay and the undici package", () => {
  it("swaps undici's fetch export before ESM named imports read it (fake undici)", async () => {
    const r = await run(
      "undici.mjs",
      `import "./overlay.mjs";
import { fetch as ufetch, calls } from "undici";
import undici from "undici";
const dispatcher = { tag: "dispatcher-kept" };
await ufetch(process.env.GATED + "/undici/v1/chat/completions", { method: "POST", body: ${JSON.stringify(PAYLOAD_JSON)}, dispatcher });
await undici.fetch(process.env.PLAIN + "/undici/plain", { method: "POST", body: ${JSON.stringify(PAYLOAD_JSON)} });
console.log(JSON.stringify({ same: ufetch === undici.fetch, calls, kept: calls[0].dispatcher === dispatcher, hooks: globalThis[Symbol.for(${JSON.stringify(OVERLAY_INSTALLED_KEY)})].hooks }));
`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.same).toBe(true);
    expect(out.kept).toBe(true);
    expect(JSON.parse(out.calls[0].body)).toEqual({ model: "qwen-local", messages: PAYLOAD.messages, stream: false });
    expect(out.calls[1].body).toBe(PAYLOAD_JSON);
    expect(out.hooks).toContain("globalThis.fetch");
    expect(out.hooks.filter((h: string) => h.startsWith("undici.fetch:"))).toHaveLength(2);
    const warn = jsonLines(r.stderr).find((l) => l.msg === "tool_payload_sanitized");
    expect(warn).toMatchObject({ via: "undici.fetch", callsite_tag: "gateway.edge.final_dispatch" });
  });

  it("also hooks the undici copy nested under @openclaw/ai, and strict mode refuses there", async () => {
    const r = await run(
      "undici-nested.mjs",
      `import "./overlay.mjs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
const req = createRequire(fileURLToPath(new URL("./node_modules/@openclaw/ai/index.js", import.meta.url)));
const nested = req("undici");
const res = await nested.fetch(process.env.GATED + "/nested", { method: "POST", body: ${JSON.stringify(PAYLOAD_JSON)} });
console.log(JSON.stringify({ id: nested.id, status: res.status, code: (await res.json()).error.code, calls: nested.calls.length }));
`,
      { OPENCLAW_STRICT_TOOL_PAYLOAD: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: "nested", status: 400, code: "TOOL_PAYLOAD_SANITIZER_BYPASSED", calls: 0 });
  });

  it("without undici installed the overlay still installs (skips silently)", async () => {
    const bare = mkdtempSync(join(tmpdir(), "clawmend-overlay-bare-"));
    try {
      writeFileSync(join(bare, "overlay.cjs"), overlayModule(gateWith([]), "cjs", MARKER));
      const r = await run(
        "bare.cjs",
        `require(${JSON.stringify(join(bare, "overlay.cjs"))});
console.log(JSON.stringify(globalThis[Symbol.for(${JSON.stringify(OVERLAY_INSTALLED_KEY)})].hooks));
`,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(["globalThis.fetch"]);
      expect(r.stderr).toBe("");
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

/**
 * A real `undici` already on this machine (no download): CLAWMEND_TEST_UNDICI_DIR, this repo's
 * node_modules, or the copy npm vendors next to the running Node.
 */
function realUndiciDir(): string | null {
  const candidates = [
    process.env.CLAWMEND_TEST_UNDICI_DIR,
    join(process.cwd(), "node_modules", "undici"),
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "undici"),
  ];
  return candidates.find((c): c is string => !!c && existsSync(join(c, "index.js"))) ?? null;
}
const REAL_UNDICI = realUndiciDir();
if (!REAL_UNDICI) {
  console.warn(
    "[test/runtime/overlay] no real undici found (set CLAWMEND_TEST_UNDICI_DIR): real-undici test skipped; the fake-undici tests still prove the export swap",
  );
}

describe.skipIf(!REAL_UNDICI)("runtime overlay and a real undici package", () => {
  it("sanitises a request sent with undici's fetch and a dispatcher, and passes other hosts through", async () => {
    const app = mkdtempSync(join(tmpdir(), "clawmend-overlay-real-undici-"));
    try {
      mkdirSync(join(app, "node_modules"));
      symlinkSync(REAL_UNDICI!, join(app, "node_modules", "undici"), "dir");
      writeFileSync(join(app, "overlay.mjs"), overlayModule(gateWith([gated]), "esm", MARKER));
      writeFileSync(
        join(app, "main.mjs"),
        `import "./overlay.mjs";
import { fetch, Agent, Response as UndiciResponse } from "undici";
const dispatcher = new Agent({ keepAliveTimeout: 10 });
const body = ${JSON.stringify(PAYLOAD_JSON)};
const a = await fetch(process.env.GATED + "/real-undici/v1/chat/completions", { method: "POST", body, dispatcher, headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } });
const b = await fetch(process.env.PLAIN + "/real-undici/plain", { method: "POST", body, dispatcher });
process.env.OPENCLAW_STRICT_TOOL_PAYLOAD = "1";
const c = await fetch(process.env.GATED + "/real-undici/strict", { method: "POST", body, dispatcher });
console.log(JSON.stringify([a.status, b.status, c.status, c instanceof UndiciResponse, (await c.json()).error.code]));
await dispatcher.close();
`,
      );
      const r = await run(join(app, "main.mjs"), "");
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([200, 200, 400, true, "TOOL_PAYLOAD_SANITIZER_BYPASSED"]);
      expect(JSON.parse(at("/real-undici/v1/")[0]!.body.toString())).toEqual({
        model: "qwen-local",
        messages: PAYLOAD.messages,
        stream: false,
      });
      expect(at("/real-undici/plain")[0]!.body.toString()).toBe(PAYLOAD_JSON);
      expect(at("/real-undici/strict")).toHaveLength(0);
      expect(jsonLines(r.stderr).find((l) => l.msg === "tool_payload_sanitized")).toMatchObject({ via: "undici.fetch" });
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});

describe("runtime overlay network enumeration fallback", () => {
  it("guards os.networkInterfaces for default and named imports, logs once, shares the helper's cache", async () => {
    writeFileSync(
      join(dir, "break-os.cjs"),
      `require("os").networkInterfaces = function () { throw new Error("A system error occurred: uv_interface_addresses returned Unknown system error 1"); };\n`,
    );
    const r = await run(
      "netenum.mjs",
      `import "./break-os.cjs";
import "./overlay.mjs";
import os from "node:os";
import { networkInterfaces } from "node:os";
import { createRequire } from "node:module";
const results = [os.networkInterfaces(), networkInterfaces(), createRequire(import.meta.url)("os").networkInterfaces()];
console.log(JSON.stringify({ results, same: networkInterfaces === os.networkInterfaces }));
`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ results: [{}, {}, {}], same: true });
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines).toContain("NETWORK_ENUM_DEGRADED: A system error occurred: uv_interface_addresses returned Unknown system error 1");
    expect(jsonLines(r.stderr)[0]).toMatchObject({ code: "NETWORK_ENUM_DEGRADED", msg: "network_enum_degraded", level: "warn" });
  });

  it("leaves a working os.networkInterfaces working", async () => {
    const r = await run(
      "netenum-ok.mjs",
      `import os from "node:os";
const before = JSON.stringify(os.networkInterfaces());
await import("./overlay.mjs");
console.log(JSON.stringify({ same: JSON.stringify(os.networkInterfaces()) === before, guarded: os.networkInterfaces.name }));
`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ same: true, guarded: "networkInterfaces" });
    expect(r.stderr).toBe("");
  });
});

describe("overlay import order", () => {
  it("the overlay body runs before any other module of an ESM entry with a shebang", async () => {
    writeFileSync(
      join(dir, "probe.mjs"),
      `export const seen = { installed: !!globalThis[Symbol.for(${JSON.stringify(OVERLAY_INSTALLED_KEY)})], fetchWrapped: typeof globalThis.fetch[Symbol.for(${JSON.stringify(FETCH_WRAPPED_KEY)})] === "function" };\n`,
    );
    const entry = patchedEntry(
      dir,
      "entry-order.mjs",
      `#!/usr/bin/env node\nimport { seen } from "./probe.mjs";\nconsole.log(JSON.stringify(seen));\n`,
    );
    const r = await run("entry-order.mjs", entry);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ installed: true, fetchWrapped: true });
  });
  it("the same for a CJS entry", async () => {
    writeFileSync(join(dir, "probe.cjs"), `exports.installed = !!globalThis[Symbol.for(${JSON.stringify(OVERLAY_INSTALLED_KEY)})];\n`);
    const entry = patchedEntry(
      dir,
      "entry-order.cjs",
      `#!/usr/bin/env node\n"use strict";\nconsole.log(JSON.stringify(require("./probe.cjs").installed));\n`,
    );
    const r = await run("entry-order.cjs", entry);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("true");
  });
});

describe("overlay source", () => {
  it("ESM and CJS share one bundle and are deterministic", () => {
    const cfg = gateWith(["http://127.0.0.1:8001"]);
    const esm = overlayModule(cfg, "esm", MARKER);
    const cjs = overlayModule(cfg, "cjs", MARKER);
    expect(esm).toBe(overlayModule(cfg, "esm", MARKER));
    const bodyOf = (t: string) => t.slice(t.indexOf("\n// src/"), t.lastIndexOf("installOverlay("));
    expect(bodyOf(esm).length).toBeGreaterThan(1000);
    expect(bodyOf(esm)).toBe(bodyOf(cjs));
    // The operator reviews the module itself: no bundler plumbing around it.
    for (const plumbing of ["__defProp", "__export", "__copyProps", "__toCommonJS", "__clawmend_runtime"])
      expect(esm).not.toContain(plumbing);
    expect(esm.startsWith(MARKER)).toBe(true);
    expect(cjs.startsWith(MARKER)).toBe(true);
    expect(esm.split("/*@clawmend ")).toHaveLength(2);
  });
});

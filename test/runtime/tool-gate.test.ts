/**
 * The payload gate at run time: the helper text the tool gate patch inserts, evaluated in a
 * sandbox of its own (test/support/runtime-vm.ts), with the settings the config resolves to.
 */
import { runSync } from "../support/run.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../src/config/resolve.js";
import type { VllmConfigInput } from "../../src/config/settings.js";
import { gateConfigOf } from "../../src/patches/gate-config.js";
import { TOOL_GATE } from "../../src/patches/builtin/vllm-tool-gate/spec.js";
import { jsonLines, sandbox, toolGateIn, type Gate, type Sandbox } from "../support/runtime-vm.js";
import { builtinMarker } from "../support/markers.js";

const MARKER = builtinMarker("vllm-tool-gate");

/** The gate settings a config's `vllm` section resolves to. */
function gateConfig(input: VllmConfigInput = {}) {
  return gateConfigOf(resolveSettings(input).vllm);
}

function gateFor(input: VllmConfigInput = {}, env: Record<string, string> = {}): Gate & { sb: Sandbox } {
  const sb = sandbox(env);
  return Object.assign(toolGateIn(sb, gateConfig(input), MARKER), { sb });
}

const TOOLS = [
  { type: "function", function: { name: "read", parameters: {} } },
  { type: "function", function: { name: "write", parameters: {} } },
];
const payload = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: "qwen",
  messages: [{ role: "user", content: "hi" }],
  stream: true,
  tools: TOOLS,
  ...extra,
});
const model = (baseUrl: unknown, provider = "openai-compatible") => ({ id: "qwen", provider, baseUrl });
const stripped = (out: unknown) =>
  !Object.prototype.hasOwnProperty.call(out, "tools") && !Object.prototype.hasOwnProperty.call(out, "tool_choice");

describe("gated endpoints without configuration", () => {
  const gate = gateFor();
  const gated = [
    "http://localhost:8000/v1",
    "http://localhost:8001/v1",
    "http://127.0.0.1:8001/v1",
    "http://127.1.2.3:8000",
    "http://127.255.255.255:8001/v1/",
    "http://[::1]:8001/v1",
    "http://0.0.0.0:8000/v1",
    "https://localhost:8001/v1",
    "http://LOCALHOST:8001/v1",
    "http://user:pw@127.0.0.1:8001/v1?x=1",
  ];
  const notGated = [
    "http://localhost:8002/v1",
    "http://127.0.0.1:8080/v1",
    "http://localhost/v1",
    "http://[::1]:8002/v1",
    "http://0.0.0.0:9000",
    "http://128.0.0.1:8001/v1",
    "http://10.0.0.5:8001/v1",
    "http://vllm.internal:8000/v1",
    "https://api.openai.com/v1",
    "http://[::2]:8001/v1",
    "http://localhost.evil.com:8001/v1",
  ];
  it.each(gated)("strips tools and tool_choice for %s, without touching the caller's object", (url) => {
    const p = payload({ tool_choice: "auto" });
    const out = gate(p, model(url)) as Record<string, unknown>;
    expect(out).not.toBe(p);
    expect(Object.keys(out)).toEqual(["model", "messages", "stream"]);
    expect(p.tools).toBe(TOOLS);
    expect(p.tool_choice).toBe("auto");
  });
  it.each(notGated)("returns the same object for %s", (url) => {
    const p = payload({ tool_choice: "auto" });
    const before = JSON.stringify(p);
    expect(gate(p, model(url))).toBe(p);
    expect(JSON.stringify(p)).toBe(before);
  });
  it("an unparseable or non-http baseUrl is not gated; a URL object is understood", () => {
    for (const url of [
      "not a url",
      "",
      "127.0.0.1:8001",
      "http://[::1:8001/v1",
      42,
      null,
      undefined,
      { href: 7 },
      "ws://127.0.0.1:8001/v1",
      "file:///127.0.0.1:8001",
    ]) {
      const p = payload();
      expect(gate(p, model(url))).toBe(p);
    }
    expect(stripped(gate(payload(), model(new URL("http://127.0.0.1:8001/v1"))))).toBe(true);
  });
});

describe("one source of truth: endpoints, the launcher's address and the defaults together", () => {
  it('provider "vllm" is gated whatever the URL, even an unparseable one', () => {
    const gate = gateFor();
    expect(stripped(gate(payload(), model("https://gpu-box.example.com:443/v1", "vllm")))).toBe(true);
    expect(stripped(gate(payload(), model("::::", "vllm")))).toBe(true);
    expect(stripped(gate(payload(), { provider: "vllm" }))).toBe(true);
  });
  it("configured providers replace the default provider list", () => {
    const gate = gateFor({ providers: ["local-qwen"] });
    expect(stripped(gate(payload(), model("https://remote.example/v1", "local-qwen")))).toBe(true);
    const p = payload();
    expect(gate(p, model("https://remote.example/v1", "vllm"))).toBe(p);
  });
  it("configured endpoints add to the default loopback rule (origin match)", () => {
    const gate = gateFor({ endpoints: ["http://gpu-box.lan:9000", "https://vllm.example.com/v1"] });
    expect(stripped(gate(payload(), model("http://gpu-box.lan:9000/v1")))).toBe(true);
    expect(stripped(gate(payload(), model("http://GPU-BOX.lan:9000/other/path?q=1")))).toBe(true);
    expect(stripped(gate(payload(), model("https://vllm.example.com:443/v1")))).toBe(true);
    expect(stripped(gate(payload(), model("http://127.0.0.1:8001/v1")))).toBe(true);
    for (const url of ["http://gpu-box.lan:9001/v1", "https://gpu-box.lan:9000/v1"]) {
      const p = payload();
      expect(gate(p, model(url))).toBe(p);
    }
  });
  it("the launcher's port on a loopback or wildcard host is gated on every loopback host", () => {
    for (const host of ["127.0.0.1", "0.0.0.0", "localhost", "::1"]) {
      const gate = gateFor({ launcher: { host, port: 9000 } });
      expect(stripped(gate(payload(), model("http://127.0.0.1:9000/v1"))), host).toBe(true);
      expect(stripped(gate(payload(), model("http://localhost:9000/v1"))), host).toBe(true);
      const p = payload();
      expect(gate(p, model("http://127.0.0.1:9001/v1")), host).toBe(p);
    }
  });
  it("the launcher on another address gates that origin", () => {
    const gate = gateFor({ launcher: { host: "10.0.0.7", port: 9000 } });
    expect(stripped(gate(payload(), model("http://10.0.0.7:9000/v1")))).toBe(true);
    const p = payload();
    expect(gate(p, model("http://127.0.0.1:9000/v1"))).toBe(p);
  });
});

describe("tool calling enabled (baked) and the env override", () => {
  const url = "http://127.0.0.1:8001/v1";
  it("baked off strips; OPENCLAW_VLLM_TOOLCALL=1 keeps", () => {
    const gate = gateFor();
    expect(stripped(gate(payload(), model(url)))).toBe(true);
    gate.sb.env.OPENCLAW_VLLM_TOOLCALL = "1";
    const p = payload({ tool_choice: "auto" });
    expect(gate(p, model(url))).toBe(p);
  });
  it("baked on keeps; OPENCLAW_VLLM_TOOLCALL=0 strips", () => {
    const gate = gateFor({ toolCalling: { enabled: true } });
    const p = payload({ tool_choice: "auto" });
    expect(gate(p, model(url))).toBe(p);
    gate.sb.env.OPENCLAW_VLLM_TOOLCALL = "0";
    expect(stripped(gate(payload({ tool_choice: "auto" }), model(url)))).toBe(true);
  });
  it("an unrecognised env value falls back to the baked setting", () => {
    expect(stripped(gateFor({}, { OPENCLAW_VLLM_TOOLCALL: "maybe" })(payload(), model(url)))).toBe(true);
    const p = payload();
    expect(gateFor({ toolCalling: { enabled: true } }, { OPENCLAW_VLLM_TOOLCALL: "maybe" })(p, model(url))).toBe(p);
  });
  it("the env is read per call, not when the helper is defined", () => {
    const gate = gateFor();
    expect(stripped(gate(payload(), model(url)))).toBe(true);
    gate.sb.env.OPENCLAW_VLLM_TOOLCALL = "1";
    const p = payload();
    expect(gate(p, model(url))).toBe(p);
    delete gate.sb.env.OPENCLAW_VLLM_TOOLCALL;
    expect(stripped(gate(payload(), model(url)))).toBe(true);
  });
  it("the baked setting is a literal in the inserted text", () => {
    expect(TOOL_GATE.source(gateConfig({ toolCalling: { enabled: true } }), MARKER)).toContain('"toolCalling":true');
    expect(TOOL_GATE.source(gateConfig(), MARKER)).toContain('"toolCalling":false');
  });
});

describe("the tool_choice invariant (any endpoint)", () => {
  const remote = model("https://api.openai.com/v1", "openai");
  it("tool_choice without tools is removed for any endpoint, the rest left alone", () => {
    const gate = gateFor({ toolCalling: { enabled: true } });
    for (const extra of [{ tools: undefined }, { tools: [] }, { tools: null }, { tools: "x" }, {}]) {
      const p: Record<string, unknown> = { model: "m", messages: [], ...extra, tool_choice: "auto" };
      if (!("tools" in extra)) delete p.tools;
      const out = gate(p, remote) as Record<string, unknown>;
      expect(out).not.toHaveProperty("tool_choice");
      expect(out).not.toBe(p);
      expect(Object.keys(out)).toEqual(Object.keys(p).filter((k) => k !== "tool_choice"));
    }
  });
  it("also on a gated endpoint with tool calling enabled", () => {
    const out = gateFor({ toolCalling: { enabled: true } })(
      { model: "m", tools: [], tool_choice: { type: "function" } },
      model("http://localhost:8001/v1"),
    );
    expect(out).toEqual({ model: "m", tools: [] });
  });
  it('tool_choice: "none" is never injected', () => {
    const gate = gateFor();
    for (const [p, m] of [
      [payload(), model("http://127.0.0.1:8001/v1")],
      [payload({ tool_choice: "auto" }), model("http://127.0.0.1:8001/v1")],
      [{ model: "m", tool_choice: "auto" }, remote],
      [payload(), remote],
      [{ model: "m" }, model("http://127.0.0.1:8001/v1")],
    ] as const) {
      const out = gate(p, m) as Record<string, unknown>;
      if (!("tool_choice" in p)) expect(out).not.toHaveProperty("tool_choice");
      expect(JSON.stringify(out)).not.toContain('"none"');
    }
  });
  it("other providers with tools get the identical object, byte for byte", () => {
    const gate = gateFor();
    for (const p of [payload(), payload({ tool_choice: "auto" }), payload({ tool_choice: "none" }), { model: "m" }]) {
      const before = JSON.stringify(p);
      expect(gate(p, remote)).toBe(p);
      expect(JSON.stringify(p)).toBe(before);
    }
  });
  it("a gated payload without tools or tool_choice is returned as is", () => {
    const p = { model: "m", messages: [] };
    expect(gateFor()(p, model("http://127.0.0.1:8001/v1"))).toBe(p);
  });
});

describe("robustness: never throws, never loses the payload", () => {
  const gate = gateFor();
  const m = model("http://127.0.0.1:8001/v1");
  it("non-object params, and odd models", () => {
    for (const v of [null, undefined, 0, "str", true]) expect(gate(v, m)).toBe(v);
    const arr = [1, 2];
    expect(gate(arr, m)).toBe(arr);
    const p = payload();
    for (const odd of [null, undefined, "vllm"]) expect(gate(p, odd)).toBe(p);
  });
  it("a throwing getter, or a throwing then, returns params untouched", () => {
    const a = {
      model: "m",
      get tools(): unknown {
        throw new Error("boom");
      },
    };
    expect(gate(a, m)).toBe(a);
    const b = {
      model: "m",
      tools: TOOLS,
      get then(): unknown {
        throw new Error("boom");
      },
    };
    expect(gate(b, m)).toBe(b);
  });
  it("a thenable is gated when it resolves", async () => {
    const out = gate(Promise.resolve(payload({ tool_choice: "auto" })), m) as PromiseLike<unknown>;
    expect(typeof out.then).toBe("function");
    expect(stripped(await out)).toBe(true);
    const p = payload();
    expect(await (gate(Promise.resolve(p), model("https://api.openai.com/v1")) as PromiseLike<unknown>)).toBe(p);
  });
  it("the copy keeps the prototype and the key order", () => {
    class Params {
      model = "m";
      tools = TOOLS;
      stream = true;
    }
    const out = gate(new Params(), m) as Params;
    expect(out).toBeInstanceOf(Params);
    expect(Object.keys(out)).toEqual(["model", "stream"]);
  });
});

describe("logging", () => {
  const m = model("http://user:secret-pass@127.0.0.1:8001/v1?api_key=sk-query-secret");
  it("the first strip logs one JSON line without credentials or query", () => {
    const gate = gateFor();
    gate(payload({ tool_choice: "auto" }), { ...m, apiKey: "sk-very-secret", headers: { Authorization: "Bearer x" } });
    gate(payload(), m);
    expect(gate.sb.stderr).toHaveLength(1);
    expect(jsonLines(gate.sb.stderr.join(""))[0]).toMatchObject({
      level: "warn",
      msg: "vllm_tool_payload_stripped",
      tools: 2,
      endpoint: "http://127.0.0.1:8001",
      provider: "openai-compatible",
      model: "qwen",
      removed: ["tools", "tool_choice"],
      tool_calling: "config:vllm.toolCalling.enabled",
    });
    expect(gate.sb.stderr[0]).not.toMatch(/secret|sk-|Bearer|Authorization|api_key/i);
  });
  it("nothing is logged when nothing is stripped", () => {
    const gate = gateFor();
    gate(payload(), model("https://api.openai.com/v1"));
    expect(gate.sb.stderr).toEqual([]);
  });
  it("logs once per process across two copies of the helper in different modules (child process)", () => {
    const dir = mkdtempSync(join(tmpdir(), "clawmend-gate-"));
    try {
      const src = TOOL_GATE.source(gateConfig(), MARKER);
      writeFileSync(join(dir, "a.cjs"), `${src}\nmodule.exports = ${TOOL_GATE.name};\n`);
      writeFileSync(join(dir, "b.mjs"), `${src}\nexport default ${TOOL_GATE.name};\n`);
      writeFileSync(
        join(dir, "main.mjs"),
        `import { createRequire } from "node:module";
import b from "./b.mjs";
const a = createRequire(import.meta.url)("./a.cjs");
if (a === b) throw new Error("expected two copies");
const m = { id: "m", provider: "x", baseUrl: "http://127.0.0.1:8001/v1" };
const mk = () => ({ model: "m", tools: [{ type: "function" }], tool_choice: "auto" });
let stripped = 0;
for (const gate of [a, b, a, b]) if (!("tools" in gate(mk(), m))) stripped++;
process.stdout.write(String(stripped));
`,
      );
      const r = runSync(process.execPath, [join(dir, "main.mjs")], { env: { ...process.env, OPENCLAW_VLLM_TOOLCALL: "" } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("4");
      const lines = r.stderr.trim().split("\n").filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!).msg).toBe("vllm_tool_payload_stripped");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the inserted text", () => {
  it("starts with the marker, is one self-contained function declaration, deterministic", () => {
    const cfg = gateConfig({ endpoints: ["http://b:1", "http://a:2"] });
    const src = TOOL_GATE.source(cfg, MARKER);
    expect(src.startsWith(`${MARKER}\nfunction ${TOOL_GATE.name}(params, model) {`)).toBe(true);
    expect(src).toBe(TOOL_GATE.source(cfg, MARKER));
    expect(src).not.toMatch(/\brequire\(|^\s*import\b/m);
    expect(src.split("/*@clawmend ")).toHaveLength(2);
    expect(sandbox().evaluate(`${src}\ntypeof ${TOOL_GATE.name}`)).toBe("function");
  });
  it("rejects a marker that is not one clawmend comment", () => {
    expect(() => TOOL_GATE.source(gateConfig(), "/* x */")).toThrow(/marker/);
    expect(() => TOOL_GATE.source(gateConfig(), "/*@clawmend a@1*/ evil()")).toThrow(/marker/);
  });
});

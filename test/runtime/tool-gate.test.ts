import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveVllmSettings, type VllmConfigInput } from "../../src/config/settings.js";
import {
  RUNTIME_SYMBOLS,
  TOOL_GATE_CORE_SOURCE,
  TOOL_GATE_HELPER,
  bakeGateConfig,
  gateConfigLiteral,
  loadToolGateCore,
  overlayModuleSource,
  toolGateHelperSource,
} from "../../src/patches/runtime/sources.js";

const MARKER = "/*@clawpatch vllm-tool-gate@1*/";
type Gate = (params: unknown, model: unknown) => unknown;

function gateFor(input: VllmConfigInput = {}): Gate {
  const src = toolGateHelperSource(resolveVllmSettings(input), MARKER);
  return new Function(`${src}\nreturn ${TOOL_GATE_HELPER};`)() as Gate;
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

const ENV_KEYS = ["OPENCLAW_VLLM_TOOLCALL"];
let savedEnv: Record<string, string | undefined> = {};
let stderr: string[] = [];

function resetOnceFlags() {
  const g = globalThis as Record<symbol, unknown>;
  delete g[Symbol.for(RUNTIME_SYMBOLS.gateWarned)];
  delete g[Symbol.for(RUNTIME_SYMBOLS.invariantWarned)];
}

beforeEach(() => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  resetOnceFlags();
  stderr = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  resetOnceFlags();
});

describe("gate decision: which endpoints are gated (default list)", () => {
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
  for (const url of gated) {
    it(`strips tools and tool_choice for ${url}`, () => {
      const p = payload({ tool_choice: "auto" });
      const out = gate(p, model(url)) as Record<string, unknown>;
      expect(out).not.toBe(p);
      expect(out).not.toHaveProperty("tools");
      expect(out).not.toHaveProperty("tool_choice");
      expect(Object.keys(out)).toEqual(["model", "messages", "stream"]);
      // the caller's object is not mutated
      expect(p.tools).toBe(TOOLS);
      expect(p.tool_choice).toBe("auto");
    });
  }
  for (const url of notGated) {
    it(`returns the same object for ${url}`, () => {
      const p = payload({ tool_choice: "auto" });
      const before = JSON.stringify(p);
      expect(gate(p, model(url))).toBe(p);
      expect(JSON.stringify(p)).toBe(before);
    });
  }
  it("an unparseable baseUrl is not gated", () => {
    for (const url of ["not a url", "", "127.0.0.1:8001", "http://[::1:8001/v1", 42, null, undefined, { href: 7 }]) {
      const p = payload();
      expect(gate(p, model(url))).toBe(p);
    }
  });
  it("a URL object baseUrl is understood", () => {
    expect(gate(payload(), model(new URL("http://127.0.0.1:8001/v1")))).not.toHaveProperty("tools");
  });
  it("non-http schemes are not gated", () => {
    const p = payload();
    expect(gate(p, model("ws://127.0.0.1:8001/v1"))).toBe(p);
    expect(gate(p, model("file:///127.0.0.1:8001"))).toBe(p);
  });
});

describe("gate decision: provider rule and configured endpoints", () => {
  it('provider "vllm" is gated whatever the URL, even an unparseable one', () => {
    const gate = gateFor();
    expect(gate(payload(), model("https://gpu-box.example.com:443/v1", "vllm"))).not.toHaveProperty("tools");
    expect(gate(payload(), model("::::", "vllm"))).not.toHaveProperty("tools");
    expect(gate(payload(), { provider: "vllm" })).not.toHaveProperty("tools");
  });
  it("configured providers replace the default", () => {
    const gate = gateFor({ providers: ["local-qwen"] });
    expect(gate(payload(), model("https://remote.example/v1", "local-qwen"))).not.toHaveProperty("tools");
    const p = payload();
    expect(gate(p, model("https://remote.example/v1", "vllm"))).toBe(p);
  });
  it("a configured endpoints list replaces the default loopback rule (origin match)", () => {
    const gate = gateFor({ endpoints: ["http://gpu-box.lan:9000", "https://vllm.example.com/v1"] });
    expect(gate(payload(), model("http://gpu-box.lan:9000/v1"))).not.toHaveProperty("tools");
    expect(gate(payload(), model("http://GPU-BOX.lan:9000/other/path?q=1"))).not.toHaveProperty("tools");
    expect(gate(payload(), model("https://vllm.example.com:443/v1"))).not.toHaveProperty("tools");
    for (const url of ["http://gpu-box.lan:9001/v1", "https://gpu-box.lan:9000/v1", "http://127.0.0.1:8001/v1"]) {
      const p = payload();
      expect(gate(p, model(url))).toBe(p);
    }
    // the provider rule still applies with a list
    expect(gate(payload(), model("http://elsewhere:1/v1", "vllm"))).not.toHaveProperty("tools");
  });
  it("an empty endpoints list gates no URL (provider rule only)", () => {
    const gate = gateFor({ endpoints: [] });
    const p = payload();
    expect(gate(p, model("http://127.0.0.1:8001/v1"))).toBe(p);
    expect(gate(payload(), model("http://127.0.0.1:8001/v1", "vllm"))).not.toHaveProperty("tools");
  });
});

describe("gate decision: tool calling enabled (baked) and env overrides", () => {
  const url = "http://127.0.0.1:8001/v1";
  it("baked enabled=false strips; OPENCLAW_VLLM_TOOLCALL=1 keeps", () => {
    const gate = gateFor({ toolCalling: { enabled: false } });
    expect(gate(payload(), model(url))).not.toHaveProperty("tools");
    process.env.OPENCLAW_VLLM_TOOLCALL = "1";
    const p = payload({ tool_choice: "auto" });
    expect(gate(p, model(url))).toBe(p);
  });
  it("baked enabled=true keeps; OPENCLAW_VLLM_TOOLCALL=0 strips", () => {
    const gate = gateFor({ toolCalling: { enabled: true } });
    const p = payload({ tool_choice: "auto" });
    expect(gate(p, model(url))).toBe(p);
    process.env.OPENCLAW_VLLM_TOOLCALL = "0";
    const out = gate(payload({ tool_choice: "auto" }), model(url));
    expect(out).not.toHaveProperty("tools");
    expect(out).not.toHaveProperty("tool_choice");
  });
  it("an unrecognised env value falls back to the baked setting", () => {
    process.env.OPENCLAW_VLLM_TOOLCALL = "maybe";
    expect(gateFor({ toolCalling: { enabled: false } })(payload(), model(url))).not.toHaveProperty("tools");
    const p = payload();
    expect(gateFor({ toolCalling: { enabled: true } })(p, model(url))).toBe(p);
  });
  it("the env is read at call time, not when the helper is defined", () => {
    const gate = gateFor();
    expect(gate(payload(), model(url))).not.toHaveProperty("tools");
    process.env.OPENCLAW_VLLM_TOOLCALL = "1";
    const p = payload();
    expect(gate(p, model(url))).toBe(p);
    delete process.env.OPENCLAW_VLLM_TOOLCALL;
    expect(gate(payload(), model(url))).not.toHaveProperty("tools");
  });
  it("the baked setting is a literal in the emitted source", () => {
    const on = toolGateHelperSource(resolveVllmSettings({ toolCalling: { enabled: true } }), MARKER);
    const off = toolGateHelperSource(resolveVllmSettings({}), MARKER);
    expect(on).toContain('"toolCalling":true');
    expect(off).toContain('"toolCalling":false');
  });
});

describe("the tool_choice invariant (any endpoint)", () => {
  const gate = gateFor({ toolCalling: { enabled: true } });
  const remote = model("https://api.openai.com/v1", "openai");
  it("tool_choice without tools is removed for any endpoint", () => {
    for (const extra of [{ tools: undefined }, { tools: [] }, { tools: null }, { tools: "x" }, {}]) {
      const p: Record<string, unknown> = { model: "m", messages: [], ...extra, tool_choice: "auto" };
      if (!("tools" in extra)) delete p.tools;
      const out = gate(p, remote) as Record<string, unknown>;
      expect(out).not.toHaveProperty("tool_choice");
      expect(out).not.toBe(p);
      // the rest is left alone (tools: [] stays for a non-gated endpoint)
      expect(Object.keys(out)).toEqual(Object.keys(p).filter((k) => k !== "tool_choice"));
    }
  });
  it("also on a gated endpoint with tool calling enabled", () => {
    const out = gate({ model: "m", tools: [], tool_choice: { type: "function" } }, model("http://localhost:8001/v1"));
    expect(out).toEqual({ model: "m", tools: [] });
  });
  it('tool_choice: "none" is never injected', () => {
    const strip = gateFor();
    for (const [p, m] of [
      [payload(), model("http://127.0.0.1:8001/v1")],
      [payload({ tool_choice: "auto" }), model("http://127.0.0.1:8001/v1")],
      [{ model: "m", tool_choice: "auto" }, remote],
      [payload(), remote],
      [{ model: "m" }, model("http://127.0.0.1:8001/v1")],
    ] as const) {
      const out = strip(p, m) as Record<string, unknown>;
      if (!("tool_choice" in p)) expect(out).not.toHaveProperty("tool_choice");
      expect(JSON.stringify(out)).not.toContain('"none"');
    }
  });
  it("other providers with tools get the identical object, byte for byte", () => {
    const strip = gateFor();
    for (const p of [payload(), payload({ tool_choice: "auto" }), payload({ tool_choice: "none" }), { model: "m" }]) {
      const before = JSON.stringify(p);
      expect(strip(p, remote)).toBe(p);
      expect(JSON.stringify(p)).toBe(before);
    }
  });
  it("a gated payload without tools or tool_choice is returned as is", () => {
    const p = { model: "m", messages: [] };
    expect(gateFor()(p, model("http://127.0.0.1:8001/v1"))).toBe(p);
  });
});

describe("robustness", () => {
  const gate = gateFor();
  const m = model("http://127.0.0.1:8001/v1");
  it("non-object params are returned as is", () => {
    for (const v of [null, undefined, 0, "str", true]) expect(gate(v, m)).toBe(v);
    const arr = [1, 2];
    expect(gate(arr, m)).toBe(arr);
  });
  it("a null or odd model is not gated and does not throw", () => {
    const p = payload();
    expect(gate(p, null)).toBe(p);
    expect(gate(p, undefined)).toBe(p);
    expect(gate(p, "vllm")).toBe(p);
  });
  it("a throwing getter makes the helper return params untouched", () => {
    const p = {
      model: "m",
      get tools(): unknown {
        throw new Error("boom");
      },
    };
    expect(gate(p, m)).toBe(p);
  });
  it("a throwing then getter makes the helper return params untouched", () => {
    const p = {
      model: "m",
      tools: TOOLS,
      get then(): unknown {
        throw new Error("boom");
      },
    };
    expect(gate(p, m)).toBe(p);
  });
  it("a thenable is gated when it resolves", async () => {
    const out = gate(Promise.resolve(payload({ tool_choice: "auto" })), m);
    expect(out).toBeInstanceOf(Promise);
    const resolved = (await out) as Record<string, unknown>;
    expect(resolved).not.toHaveProperty("tools");
    expect(resolved).not.toHaveProperty("tool_choice");
    const p = payload();
    expect(await (gate(Promise.resolve(p), model("https://api.openai.com/v1")) as Promise<unknown>)).toBe(p);
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
    expect(stderr).toHaveLength(1);
    const line = JSON.parse(stderr[0]!);
    expect(line).toMatchObject({
      level: "warn",
      msg: "vllm_tool_payload_stripped",
      tools: 2,
      endpoint: "http://127.0.0.1:8001",
      provider: "openai-compatible",
      model: "qwen",
      removed: ["tools", "tool_choice"],
    });
    expect(stderr[0]).not.toMatch(/secret|sk-|Bearer|Authorization|api_key/i);
  });
  it("nothing is logged when nothing is stripped", () => {
    gateFor()(payload(), model("https://api.openai.com/v1"));
    expect(stderr).toEqual([]);
  });
  it("log once holds across two separate copies of the helper (child process)", () => {
    const dir = mkdtempSync(join(tmpdir(), "clawpatch-gate-"));
    try {
      const src = toolGateHelperSource(resolveVllmSettings({}), MARKER);
      writeFileSync(join(dir, "a.cjs"), `${src}\nmodule.exports = ${TOOL_GATE_HELPER};\n`);
      writeFileSync(join(dir, "b.mjs"), `${src}\nexport default ${TOOL_GATE_HELPER};\n`);
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
      const r = spawnSync(process.execPath, [join(dir, "main.mjs")], {
        encoding: "utf8",
        env: { ...process.env, OPENCLAW_VLLM_TOOLCALL: "" },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe("4");
      const lines = r.stderr.trim().split("\n").filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!).msg).toBe("vllm_tool_payload_stripped");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("source shape", () => {
  it("starts with the marker, is one function declaration, deterministic", () => {
    const s = resolveVllmSettings({ endpoints: ["http://b:1", "http://a:2"] });
    const src = toolGateHelperSource(s, MARKER);
    expect(src.startsWith(`${MARKER}\nfunction ${TOOL_GATE_HELPER}(params, model) {`)).toBe(true);
    expect(src).toBe(toolGateHelperSource(s, MARKER));
    expect(src).not.toMatch(/\brequire\(|\bimport\b|`/);
    expect(src.split("/*@clawpatch ").length).toBe(2);
    // exactly one top-level statement: a function declaration
    const fn = new Function(`${src}\nreturn typeof ${TOOL_GATE_HELPER};`);
    expect(fn()).toBe("function");
  });
  it("the gate and the overlay embed the same decision source", () => {
    const s = resolveVllmSettings({});
    const gateSrc = toolGateHelperSource(s, MARKER);
    const overlay = overlayModuleSource(s, "esm", "/*@clawpatch runtime-overlay@1*/");
    const dedent = (t: string) => t.replace(/^ +/gm, "");
    expect(dedent(gateSrc)).toContain(dedent(TOOL_GATE_CORE_SOURCE));
    expect(dedent(overlay)).toContain(dedent(TOOL_GATE_CORE_SOURCE));
    expect(gateSrc).toContain(gateConfigLiteral(s));
    expect(overlay).toContain(gateConfigLiteral(s));
  });
  it("rejects a marker that is not one clawpatch comment", () => {
    expect(() => toolGateHelperSource(resolveVllmSettings({}), "/* x */")).toThrow(/marker/);
    expect(() => toolGateHelperSource(resolveVllmSettings({}), "/*@clawpatch a@1*/ evil()")).toThrow(/marker/);
  });
  it("bakes normalised endpoint origins and rejects non-http ones", () => {
    expect(bakeGateConfig(resolveVllmSettings({ endpoints: ["http://LOCALHOST:80/v1", "https://x.example:443"] })).endpoints).toEqual([
      "http://localhost",
      "https://x.example",
    ]);
    expect(() => bakeGateConfig(resolveVllmSettings({ endpoints: ["ftp://x:1"] }))).toThrow(/http/);
  });
});

describe("core functions (loaded from the embedded text)", () => {
  const core = loadToolGateCore();
  const cfg = bakeGateConfig(resolveVllmSettings({}));
  it("isDefaultLocalHost", () => {
    for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "0.0.0.0"]) expect(core.isDefaultLocalHost(h)).toBe(true);
    for (const h of ["::1x", "127.0.0.256", "127.0.0", "1.127.0.0", "localhost.", "example.com"])
      expect(core.isDefaultLocalHost(h)).toBe(false);
  });
  it("decide", () => {
    expect(core.decide({ tools: [1], tool_choice: "auto" }, true, false)).toEqual({
      removed: ["tools", "tool_choice"],
      tools: 1,
      reason: "tool_calling_disabled",
    });
    expect(core.decide({ tools: [1], tool_choice: "auto" }, true, true)).toBeNull();
    expect(core.decide({ tools: [1], tool_choice: "auto" }, false, false)).toBeNull();
    expect(core.decide({ tool_choice: "auto" }, false, false)).toEqual({
      removed: ["tool_choice"],
      tools: 0,
      reason: "tool_choice_without_tools",
    });
    expect(core.decide({ tools: [] }, false, false)).toBeNull();
    expect(core.decide(null, true, false)).toBeNull();
  });
  it("isGatedUrl with the IPv4 shorthand the URL parser normalises", () => {
    expect(core.isGatedUrl("http://127.1:8001/", cfg)).toBe(true);
    expect(core.isGatedUrl("http://0x7f.1:8000/", cfg)).toBe(true);
  });
});

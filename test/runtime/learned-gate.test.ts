/**
 * The learned gate at run time: the overlay module (built-in default settings: no endpoint names
 * the servers below) in child processes, against vLLM-like servers on 127.0.0.2, which no
 * setting gates. Each case counts what the server received.
 */
import { startProcess } from "../support/run.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { gateConfigOf } from "../../src/patches/gate-config.js";
import { overlayModule } from "../../src/patches/builtin/runtime-overlay/spec.js";
import { jsonLines } from "../support/probes.js";
import {
  startVllmLikeServer,
  VLLM_AUTO_TOOL_CHOICE_ERROR,
  VLLM_CONTEXT_LENGTH_ERROR,
  VLLM_REQUIRED_TOOL_CHOICE_ERROR,
  type VllmLikeServer,
  type VllmLikeServerOptions,
} from "../support/vllm-server.js";
import { builtinMarker } from "../support/markers.js";

const MARKER = builtinMarker("runtime-overlay");
const SECRET = "sk-learned-gate-secret";
const TOOLS = [{ type: "function", function: { name: "read_file", parameters: { type: "object" } } }];
const payload = (extra: Record<string, unknown> = {}) => ({
  model: "fake-model",
  messages: [{ role: "user", content: "top-secret-message-body" }],
  tools: TOOLS,
  tool_choice: "auto",
  parallel_tool_calls: true,
  ...extra,
});

let dir = "";
let server: VllmLikeServer | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "clawmend-learned-"));
  writeFileSync(join(dir, "package.json"), '{"type":"module"}');
  writeFileSync(join(dir, "overlay.mjs"), overlayModule(gateConfigOf(defaultSettings().vllm), "esm", MARKER));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function serve(options: Partial<VllmLikeServerOptions> = {}): Promise<VllmLikeServer> {
  server = await startVllmLikeServer({ toolCalling: false, host: "127.0.0.2", ...options });
  return server;
}

/** `post(body)` in the child: a chat request to the server with a key, answered as {status, text}. */
const PRELUDE = `import "./overlay.mjs";
const URL_ = process.env.CHAT_URL;
async function post(body, extra = {}) {
  const res = await fetch(URL_, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer ${SECRET}" }, body: typeof body === "string" ? body : JSON.stringify(body), ...extra });
  return { status: res.status, text: await res.text() };
}
const out = [];
`;

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `source` (after the prelude) in a child Node. `onLine` sees each stdout line as it comes
 * and may answer on the child's stdin (the child reads it with `await step()`).
 */
function run(
  s: VllmLikeServer,
  name: string,
  source: string,
  env: Record<string, string> = {},
  onLine?: (line: string) => Promise<string | null>,
) {
  const file = join(dir, name);
  writeFileSync(
    file,
    `${PRELUDE}
const lines = (async function* () { let buf = ""; for await (const c of process.stdin) { buf += c; let i; while ((i = buf.indexOf("\\n")) !== -1) { yield buf.slice(0, i); buf = buf.slice(i + 1); } } })();
const step = async () => (await lines.next()).value;
${source}
console.log("OUT " + JSON.stringify(out));
process.exit(0);
`,
  );
  return new Promise<Child & { out: Array<{ status: number; text: string }> }>((resolve, reject) => {
    const child = startProcess(process.execPath, [file], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", CHAT_URL: `${s.baseUrl}/chat/completions`, ...env },
      stdio: "pipe",
    });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d;
      pending += d;
      let i: number;
      while ((i = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        if (onLine) void onLine(line).then((answer) => answer !== null && child.stdin!.write(`${answer}\n`));
      }
    });
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("OUT "));
      resolve({ code, stdout, stderr, out: line ? JSON.parse(line.slice(4)) : [] });
    });
  });
}

const sent = (s: VllmLikeServer) => s.chatRequests().map((r) => ({ status: r.status, tools: r.body && "tools" in r.body }));
const noToolFields = (s: VllmLikeServer, i: number) => {
  const body = s.chatRequests()[i]!.body;
  for (const k of ["tools", "tool_choice", "parallel_tool_calls"]) expect(body).not.toHaveProperty(k);
  expect(body.messages).toEqual(payload().messages);
};
/** Two requests with `body`, `between` (child code) in between. */
const twice = (body: object, between = "") =>
  `out.push(await post(${JSON.stringify(body)}));\n${between}\nout.push(await post(${JSON.stringify(body)}));`;
const lines = (stderr: string, msg: string) => jsonLines(stderr).filter((l) => l.msg === msg || l.event === msg);

describe("the learned gate: an origin no setting names", () => {
  it("the refusal is retried once without tools, the caller gets the reply, later requests are stripped before sending", async () => {
    const s = await serve();
    const r = await run(s, "learn.mjs", twice(payload()));
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.map((o) => o.status)).toEqual([200, 200]);
    expect(r.out[0]!.text).toContain("pong from fake vllm");
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 200, tools: false },
      { status: 200, tools: false },
    ]);
    noToolFields(s, 1);
    noToolFields(s, 2);
    expect(s.chatRequests()[1]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    const logged = lines(r.stderr, "vllm_tool_calling_unavailable");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: "warn",
      origin: s.url,
      model: "fake-model",
      server_message: VLLM_AUTO_TOOL_CHOICE_ERROR,
      action: "retried_without_tools",
    });
    expect(logged[0]!.fixes[0]).toMatch(/--enable-auto-tool-choice --tool-call-parser/);
    expect(logged[0]!.fixes[1]).toContain(`"${s.url}" to vllm.endpoints`);
    expect(r.stderr).not.toMatch(/sk-learned|authorization|bearer|top-secret/i);
  });

  it("streaming: the caller reads the retry's event stream", async () => {
    const s = await serve();
    const r = await run(s, "stream.mjs", `out.push(await post(${JSON.stringify(payload({ stream: true }))}));`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out[0]!.status).toBe(200);
    expect(r.out[0]!.text).toMatch(/^data: [\s\S]*pong from fake vllm[\s\S]*data: \[DONE\]/);
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 200, tools: false },
    ]);
  });

  it("older vLLM: the top-level error body, and the refusal of tool_choice required", async () => {
    const s = await serve({ errorShape: "old", refuseRequired: true });
    const r = await run(s, "old.mjs", `out.push(await post(${JSON.stringify(payload({ tool_choice: "required" }))}));`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out[0]!.status).toBe(200);
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 200, tools: false },
    ]);
    expect(lines(r.stderr, "vllm_tool_calling_unavailable")[0]).toMatchObject({ server_message: VLLM_REQUIRED_TOOL_CHOICE_ERROR });
  });

  it("an unrelated 400 (context too long) reaches the caller: one request, no retry, nothing learned", async () => {
    const s = await serve();
    s.setContextOverflow(true);
    const r = await run(s, "context.mjs", twice(payload()));
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.map((o) => o.status)).toEqual([400, 400]);
    expect(JSON.parse(r.out[0]!.text).error.message).toBe(VLLM_CONTEXT_LENGTH_ERROR);
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 400, tools: true },
    ]);
    expect(r.stderr).toBe("");
  });

  it("tool calling enabled: the refusal reaches the caller, nothing is stripped or retried, the log names the server's fix once", async () => {
    const s = await serve();
    const r = await run(s, "calling.mjs", twice(payload()), {
      OPENCLAW_VLLM_TOOLCALL: "1",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.map((o) => o.status)).toEqual([400, 400]);
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 400, tools: true },
    ]);
    const logged = lines(r.stderr, "vllm_tool_calling_unavailable");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      why: "tool_calling_enabled",
      action: "returned_to_caller",
      tool_calling: "env:OPENCLAW_VLLM_TOOLCALL",
    });
    expect(logged[0]!.fixes[0]).toMatch(/--enable-auto-tool-choice --tool-call-parser/);
  });

  it("a server restarted with tool calling gets tools again after the re-check interval, and the change is logged", async () => {
    const s = await serve();
    const body = JSON.stringify(payload());
    const r = await run(
      s,
      "recheck.mjs",
      `out.push(await post(${body}));
out.push(await post(${body}));
console.log("RESTART");
await step();
out.push(await post(${body}));
await new Promise((r) => setTimeout(r, 400));
out.push(await post(${body}));
out.push(await post(${body}));`,
      { OPENCLAW_VLLM_TOOL_RECHECK_MS: "300" },
      async (line) => {
        if (line !== "RESTART") return null;
        await s.restart({ toolCalling: true });
        return "go";
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.map((o) => o.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 200, tools: false },
      { status: 200, tools: false },
      { status: 200, tools: false }, // after the restart, within the interval: still stripped
      { status: 200, tools: true }, // the re-check
      { status: 200, tools: true },
    ]);
    expect(lines(r.stderr, "vllm_tool_calling_available")).toEqual([
      expect.objectContaining({ origin: s.url, model: "fake-model", action: "tools_sent_again" }),
    ]);
  });

  it("a re-check refused again: retried without tools, nothing logged again", async () => {
    const s = await serve();
    const r = await run(s, "recheck-refused.mjs", twice(payload(), "await new Promise((r) => setTimeout(r, 400));"), {
      OPENCLAW_VLLM_TOOL_RECHECK_MS: "300",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.map((o) => o.status)).toEqual([200, 200]);
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 200, tools: false },
      { status: 400, tools: true },
      { status: 200, tools: false },
    ]);
    expect(lines(r.stderr, "vllm_tool_calling_unavailable")).toHaveLength(1);
  });

  it("strict mode: the refusal is learned and reaches the caller; later requests with tools are refused like a configured origin's", async () => {
    const s = await serve();
    const r = await run(s, "strict.mjs", twice(payload()), {
      OPENCLAW_STRICT_TOOL_PAYLOAD: "1",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.map((o) => o.status)).toEqual([400, 400]);
    expect(JSON.parse(r.out[0]!.text).error.message).toBe(VLLM_AUTO_TOOL_CHOICE_ERROR);
    const refusal = JSON.parse(r.out[1]!.text).error;
    expect(refusal).toMatchObject({ code: "TOOL_PAYLOAD_SANITIZER_BYPASSED", reason: "learned_refusal", origin: s.url });
    expect(refusal.remediation).toContain(`"${s.url}" to vllm.endpoints`);
    expect(sent(s)).toEqual([{ status: 400, tools: true }]);
    expect(lines(r.stderr, "vllm_tool_calling_unavailable")[0]).toMatchObject({ action: "returned_to_caller", why: "strict" });
    expect(lines(r.stderr, "tool_payload_sanitizer_bypassed")).toHaveLength(1);
  });

  it("trace mode: a non-2xx answer from a local server is traced with its status and the server's message, bounded", async () => {
    const s = await serve();
    s.setContextOverflow(true);
    const r = await run(s, "trace.mjs", `out.push(await post(${JSON.stringify(payload())}));`, { OPENCLAW_TRACE_VLLM_OUTBOUND: "1" });
    expect(r.code, r.stderr).toBe(0);
    const traced = lines(r.stderr, "vllm_response_trace");
    expect(traced).toHaveLength(1);
    expect(traced[0]).toMatchObject({
      status: 400,
      server_message: VLLM_CONTEXT_LENGTH_ERROR,
      target_url: `${s.baseUrl}/chat/completions`,
    });
    expect(String(traced[0]!.server_message).length).toBeLessThanOrEqual(300);
    expect(r.stderr).not.toMatch(/sk-learned|authorization|bearer|top-secret/i);
  });

  it("a stream body cannot be sent twice: the refusal reaches the caller, the reason is logged once, later ones go out unchanged", async () => {
    const s = await serve();
    const streamPost = `await post(null, { body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(${JSON.stringify(JSON.stringify(payload()))})); c.close(); } }), duplex: "half" })`;
    const r = await run(s, "stream-body.mjs", `out.push(${streamPost});\nout.push(${streamPost});`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.map((o) => o.status)).toEqual([400, 400]);
    expect(sent(s)).toEqual([
      { status: 400, tools: true },
      { status: 400, tools: true },
    ]);
    expect(lines(r.stderr, "vllm_tool_refusal_not_replayable")).toHaveLength(1);
    expect(lines(r.stderr, "vllm_tool_calling_unavailable")[0]).toMatchObject({ why: "body-not-replayable" });
  });
});

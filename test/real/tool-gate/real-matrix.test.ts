/**
 * Real matrix: the published pi-ai and @openclaw/ai packages, installed with their runtime
 * dependencies, patched by the CLI and then driven through their own exported stream function
 * against a server that validates like vLLM. The pristine copy must get vLLM's 400 (so these
 * tests can fail), the patched one the reply; with OPENCLAW_VLLM_TOOLCALL=1 and a
 * tool-calling server the tool reaches the wire; another provider's request is byte-identical.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeBinary } from "../../support/node-runtime.js";
import { startVllmLikeServer, VLLM_AUTO_TOOL_CHOICE_ERROR, type VllmLikeServer } from "../../support/vllm-server.js";
import { builtinMarker } from "../../support/markers.js";
const MARKER = builtinMarker("vllm-tool-gate");
import os from "node:os";
import { runBin, statuses } from "../../support/cli.js";
import { installedPackage, packageCopy, probeTurn, removePackageCopy } from "../../support/provider-packages.js";

const clawmend = (args: string[]) => runBin(args, { cwd: os.tmpdir() });

interface Case {
  name: string;
  version: string;
  /** The file holding the builder, relative to the package root. */
  file: string;
  /** Module to import and the path of the stream function in it. */
  entry: string;
  exportName: string;
  /** Runtime dependencies this registry lacks (left out of the install; never imported by the module). */
  unavailable?: string[];
  /**
   * Why the module cannot be imported here (then only the CLI part runs). @earendil-works/pi-ai
   * 1.x imports @earendil-works/pi-telemetry 1.x and pi-schema, which this registry does not carry.
   */
  notImportable?: string;
}

const CASES: Case[] = [
  ...["0.40.1", "0.55.1", "0.70.6", "0.73.1"].map((version) => ({
    name: "@mariozechner/pi-ai",
    version,
    file: "dist/providers/openai-completions.js",
    entry: "dist/providers/openai-completions.js",
    exportName: "streamOpenAICompletions",
  })),
  {
    name: "@earendil-works/pi-ai",
    version: "0.75.5",
    file: "dist/providers/openai-completions.js",
    entry: "dist/providers/openai-completions.js",
    exportName: "streamOpenAICompletions",
  },
  {
    name: "@earendil-works/pi-ai",
    version: "1.5.2",
    file: "dist/api/openai-completions.js",
    entry: "dist/api/openai-completions.js",
    exportName: "stream",
    unavailable: ["@earendil-works/pi-schema", "@earendil-works/pi-telemetry"],
    notImportable: "its dist imports @earendil-works/pi-telemetry@1.x / pi-schema, absent from this registry",
  },
  {
    name: "@openclaw/ai",
    version: "2026.9.6",
    file: "dist/openai-completions-stream-BpuJ0ZOA.mjs",
    entry: "dist/openai-completions-BO6D_hrB.mjs",
    exportName: "t.streamOpenAICompletions",
  },
];

const TIMEOUT = 15 * 60_000;
let node: string;
let server: VllmLikeServer;

/** Installs fetched at once, three at a time (a fresh machine downloads them); each case awaits its own. */
const PARALLEL_INSTALLS = 3;
const installs = new Map<string, Promise<string>>();
const key = (c: Case) => `${c.name}@${c.version}`;

beforeAll(async () => {
  const queue = [...CASES];
  const next = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const installed = installedPackage(c.name, c.version, c.unavailable);
      installs.set(key(c), installed);
      await installed.catch(() => {}); // reported by the case that awaits it
    }
  };
  for (let i = 0; i < PARALLEL_INSTALLS; i++) void next();
  node = await nodeBinary(22);
  server = await startVllmLikeServer({ toolCalling: false });
}, TIMEOUT);
afterAll(async () => {
  await server?.close();
});

describe.each(CASES)("$name@$version", (c) => {
  let pristine: string;
  let patched: string;

  beforeAll(async () => {
    pristine = await (installs.get(key(c)) ?? installedPackage(c.name, c.version, c.unavailable));
    patched = await packageCopy(pristine);
  }, TIMEOUT);
  afterAll(async () => {
    if (patched) await removePackageCopy(patched);
  });

  it(
    "the CLI patches it (verify 1 before, 0 after), a second run changes nothing",
    async () => {
      const before = await clawmend(["patch", "--root", patched, "--verify", "--only", "vllm-tool-gate"]);
      expect(before.code, before.stdout + before.stderr).toBe(1);
      const first = await clawmend(["patch", "--root", patched, "--only", "vllm-tool-gate", "--json"]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(statuses(first.stdout)).toEqual({ [`${c.name}@${c.version}`]: "applied" });
      const bytes = readFileSync(path.join(patched, c.file), "utf8");
      expect(bytes.split(`${MARKER}__clawmend_vllmToolGate(`).length - 1).toBe(1);
      expect(bytes.split("function __clawmend_vllmToolGate(params, model)").length - 1).toBe(1);
      const second = await clawmend(["patch", "--root", patched, "--only", "vllm-tool-gate", "--json"]);
      expect(second.code).toBe(0);
      expect(statuses(second.stdout)).toEqual({ [`${c.name}@${c.version}`]: "already-applied" });
      expect(readFileSync(path.join(patched, c.file), "utf8")).toBe(bytes);
      const after = await clawmend(["patch", "--root", patched, "--verify", "--only", "vllm-tool-gate"]);
      expect(after.code, after.stdout + after.stderr).toBe(0);
    },
    TIMEOUT,
  );

  it.skipIf(c.notImportable)(
    "pristine: vLLM answers 400 (auto tool choice); patched: the reply arrives and no tools reach the wire",
    async () => {
      server.setToolCalling(false);
      server.requests.length = 0;
      const bad = await probeTurn({ node, file: path.join(pristine, c.entry), exportName: c.exportName, baseUrl: server.baseUrl });
      expect(bad.threw).toBeUndefined();
      expect(bad.stopReason).toBe("error");
      expect(bad.errorMessage).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
      expect(server.chatRequests()[0]!.body.tools).toHaveLength(1);

      server.requests.length = 0;
      const good = await probeTurn({ node, file: path.join(patched, c.entry), exportName: c.exportName, baseUrl: server.baseUrl });
      expect(good.threw).toBeUndefined();
      expect(good.errorMessage).toBeUndefined();
      expect(good.text).toBe("pong from fake vllm");
      const sent = server.chatRequests();
      expect(sent).toHaveLength(1);
      expect(sent[0]!.status).toBe(200);
      expect(sent[0]!.body).not.toHaveProperty("tools");
      expect(sent[0]!.body).not.toHaveProperty("tool_choice");
      const log = good.stderr.split("\n").filter((l) => l.includes("vllm_tool_payload_stripped"));
      expect(log).toHaveLength(1);
      expect(JSON.parse(log[0]!)).toMatchObject({ msg: "vllm_tool_payload_stripped", tools: 1, endpoint: server.url });
    },
    TIMEOUT,
  );

  it.skipIf(c.notImportable)(
    "OPENCLAW_VLLM_TOOLCALL=1 against a tool-calling server: the tool reaches the wire",
    async () => {
      server.setToolCalling(true);
      server.requests.length = 0;
      try {
        const r = await probeTurn({
          node,
          file: path.join(patched, c.entry),
          exportName: c.exportName,
          baseUrl: server.baseUrl,
          env: { OPENCLAW_VLLM_TOOLCALL: "1" },
        });
        expect(r.text).toBe("pong from fake vllm");
        const sent = server.chatRequests();
        expect(sent).toHaveLength(1);
        expect(sent[0]!.body.tools).toHaveLength(1);
        expect(sent[0]!.body.tools[0].function.name).toBe("read_file");
        expect(r.stderr).not.toContain("vllm_tool_payload_stripped");
      } finally {
        server.setToolCalling(false);
      }
    },
    TIMEOUT,
  );

  it.skipIf(c.notImportable)(
    "another provider on a non-vLLM endpoint: the request is byte-identical to the pristine one",
    async () => {
      server.setToolCalling(false);
      server.requests.length = 0;
      // A random port on 127.0.0.1 that is not 8000/8001 and a provider id that is not `vllm`: not gated.
      const probe = (root: string) =>
        probeTurn({
          node,
          file: path.join(root, c.entry),
          exportName: c.exportName,
          baseUrl: server.baseUrl,
          provider: "openai-compatible-test",
        });
      await probe(pristine);
      await probe(patched);
      const [a, b] = server.chatRequests();
      expect(a!.rawBody.length).toBeGreaterThan(0);
      expect(b!.rawBody).toBe(a!.rawBody);
      expect(b!.status).toBe(400);
    },
    TIMEOUT,
  );
});

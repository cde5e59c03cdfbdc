/**
 * The provider packages (pi-ai, @openclaw/ai) for real tests: cached installs with their runtime
 * dependencies, private copies to patch, and a child-process probe that imports a package's
 * stream function and sends one agent turn with a tool to a vLLM-like server.
 */
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CACHE_MARKER, cacheRoot, cachedDirectory, extractPackage } from "./real-packages.js";
import { run, runOk } from "./run.js";

function safeName(name: string): string {
  return name.replace(/^@/, "").replace(/\//g, "-");
}

/**
 * A cached, PRISTINE install of NAME@VERSION with its runtime dependencies and no install
 * scripts: the package extracted, then `npm install --omit=dev --ignore-scripts` in it, run
 * with a package.json that leaves out devDependencies (some list private packages npm would
 * still try to resolve) and the `unavailable` dependencies (absent from this registry; the
 * module under test must not import them, or the test fails loudly). The package's own
 * package.json is restored byte for byte afterwards. Returns the package directory. Never
 * modify it: see {@link packageCopy}.
 */
export async function installedPackage(name: string, version: string, unavailable: readonly string[] = []): Promise<string> {
  const entry = path.join(cacheRoot(), "tool-gate-pkgs", `${safeName(name)}-${version}`);
  // Layout of an earlier cache format (the package as the one dependency of a throwaway project).
  const nested = path.join(entry, "node_modules", name);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
  delete env.NODE_OPTIONS;
  return cachedDirectory(
    entry,
    async (tmp) => {
      await extractPackage(name, version, tmp);
      const manifestPath = path.join(tmp, "package.json");
      const original = await fs.readFile(manifestPath);
      const manifest = JSON.parse(original.toString("utf8")) as Record<string, Record<string, string> | undefined>;
      delete manifest.devDependencies;
      for (const dep of unavailable) delete manifest.dependencies?.[dep];
      await fs.writeFile(manifestPath, JSON.stringify(manifest));
      await runOk(
        "npm",
        ["install", "--omit=dev", "--ignore-scripts", "--no-package-lock", "--no-audit", "--no-fund", "--engine-strict=false"],
        { cwd: tmp, env, timeoutMs: 15 * 60_000 },
      );
      await fs.writeFile(manifestPath, original);
      return "";
    },
    () => (existsSync(nested) ? nested : entry),
  );
}

/**
 * A private copy of an installed package outside the repo: its own files copied, its
 * node_modules a symlink to the pristine cache (nothing under it is a patch target).
 */
export async function packageCopy(installed: string): Promise<string> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), "clawmend-toolgate-"));
  const dest = path.join(parent, "package");
  await fs.mkdir(dest);
  for (const ent of await fs.readdir(installed)) {
    if (ent === "node_modules" || ent === CACHE_MARKER) continue;
    await fs.cp(path.join(installed, ent), path.join(dest, ent), { recursive: true, preserveTimestamps: true });
  }
  if (existsSync(path.join(installed, "node_modules")))
    await fs.symlink(path.join(installed, "node_modules"), path.join(dest, "node_modules"), "dir");
  return dest;
}

export async function removePackageCopy(copy: string): Promise<void> {
  await fs.rm(path.dirname(copy), { recursive: true, force: true });
}

/** What one agent turn through a package's stream function ended with. */
export interface TurnResult {
  stopReason?: string;
  errorMessage?: string;
  text?: string;
  threw?: string;
  /** The probe's stderr (the gate's one JSON log line lands here). */
  stderr: string;
}

const PROBE = String.raw`
import { pathToFileURL } from "node:url";
const [file, exportName, baseUrl, provider] = process.argv.slice(2);
const mod = await import(pathToFileURL(file).href);
const fn = exportName.split(".").reduce((o, k) => (o == null ? o : o[k]), mod);
if (typeof fn !== "function") throw new Error("no export " + exportName + " in " + file + ": " + Object.keys(mod).join(","));
const model = {
  id: "fake-model", name: "Fake vLLM", api: "openai-completions", provider, baseUrl,
  reasoning: false, input: ["text"], cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 32768, maxTokens: 256,
};
const context = {
  systemPrompt: "You are terse.",
  messages: [{ role: "user", content: "ping", timestamp: 1700000000000 }],
  tools: [{ name: "read_file", description: "Read a file", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }],
};
let out;
try {
  const s = fn(model, context, { apiKey: "sk-clawmend-test-dummy", maxRetries: 0 });
  const msg = await s.result();
  const text = (msg.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("");
  out = { stopReason: msg.stopReason, errorMessage: msg.errorMessage, text };
} catch (e) {
  out = { threw: String(e && e.stack || e) };
}
process.stdout.write("\n@@RESULT@@" + JSON.stringify(out) + "\n");
`;

/**
 * Imports `file` in a child Node, calls its `exportName(model, context, options)` with a
 * `vllm`-style model at `baseUrl` and one tool, and returns how the turn ended.
 */
export async function probeTurn(opts: {
  node: string;
  file: string;
  exportName: string;
  baseUrl: string;
  provider?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<TurnResult> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "clawmend-probe-"));
  try {
    const probe = path.join(dir, "probe.mjs");
    await fs.writeFile(probe, PROBE);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, NO_COLOR: "1", ...opts.env };
    const r = await run(opts.node, [probe, opts.file, opts.exportName, opts.baseUrl, opts.provider ?? "vllm"], { env, timeoutMs: 60_000 });
    const line = r.stdout.split("\n").find((l) => l.startsWith("@@RESULT@@"));
    if (!line) throw new Error(`probe produced no result (exit ${r.code})\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`);
    return { ...(JSON.parse(line.slice("@@RESULT@@".length)) as Omit<TurnResult, "stderr">), stderr: r.stderr };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

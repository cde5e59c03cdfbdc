/**
 * A throwaway HOME for running the real OpenClaw CLI offline against a fake vLLM
 * (see `vllm-server.ts`). Its `~/.openclaw/openclaw.json` declares an explicit provider
 * `vllm` (api `openai-completions`, `baseUrl` = the fake server's `/v1`, dummy apiKey)
 * and makes `vllm/<model>` the agents' default model, so that
 *   HOME=<home> node22 openclaw.mjs agent --local --message ping
 * sends its chat request to the fake server. Shape taken from the package's own
 * `docs/providers/vllm.md` (explicit configuration) and `docs/install/updating.md`
 * (`update.checkOnStart`).
 *
 * @module
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Options for {@link makeOpenclawHome}. */
export interface OpenclawHomeOptions {
  /** Provider base URL including `/v1`, e.g. `server.baseUrl`. */
  baseUrl: string;
  /** Model id the provider serves (the fake server accepts any). */
  model: string;
  /** Provider id; default `"vllm"`. */
  providerId?: string;
  /** Extra top-level keys deep-merged into openclaw.json (e.g. `{ vllm: {...} }`). */
  extraConfig?: Record<string, unknown>;
}

/** A prepared HOME. */
export interface OpenclawHome {
  /** The HOME directory (pass as `HOME`). */
  home: string;
  /** `<home>/.openclaw`. */
  stateDir: string;
  /** `<home>/.openclaw/openclaw.json`. */
  configPath: string;
  /** The config object written. */
  config: Record<string, unknown>;
  /**
   * Environment for the CLI: HOME, offline switches ({@link OFFLINE_ENV}), and no
   * provider keys from the caller's environment. Pass it (or {@link openclawEnv}) as `nodeEnv(bin, env)`'s extra.
   */
  env: NodeJS.ProcessEnv;
  /** Remove the HOME. */
  cleanup(): Promise<void>;
}

/**
 * Env switches that keep the CLI offline and local: no channels/providers startup, no
 * mDNS, no canvas host, no browser control server, no cron or Gmail watcher, no
 * self-respawn, no banner, no colour. (Names measured in the 2026.2.26 dist.)
 */
export const OFFLINE_ENV: Readonly<Record<string, string>> = Object.freeze({
  OPENCLAW_SKIP_CHANNELS: "1",
  OPENCLAW_SKIP_PROVIDERS: "1",
  OPENCLAW_DISABLE_BONJOUR: "1",
  OPENCLAW_SKIP_CANVAS_HOST: "1",
  OPENCLAW_SKIP_BROWSER_CONTROL_SERVER: "1",
  OPENCLAW_SKIP_GMAIL_WATCHER: "1",
  OPENCLAW_SKIP_CRON: "1",
  OPENCLAW_NO_RESPAWN: "1",
  OPENCLAW_HIDE_BANNER: "1",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  CI: "1",
});

/** Provider-key env names removed from the child's environment so nothing real is used. */
const SCRUB = /^(OPENAI|ANTHROPIC|GEMINI|GOOGLE|OPENROUTER|VLLM|GROQ|MISTRAL|XAI|DEEPSEEK|TOGETHER|OLLAMA|OPENCLAW)_/;

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** The openclaw.json written by {@link makeOpenclawHome} (exported for docs/tests). */
export function openclawVllmConfig(opts: OpenclawHomeOptions): Record<string, unknown> {
  const provider = opts.providerId ?? "vllm";
  const base: Record<string, unknown> = {
    agents: {
      defaults: {
        model: { primary: `${provider}/${opts.model}` },
      },
    },
    models: {
      providers: {
        [provider]: {
          baseUrl: opts.baseUrl,
          apiKey: "sk-clawmend-test-dummy",
          api: "openai-completions",
          models: [
            {
              id: opts.model,
              name: `Fake vLLM ${opts.model}`,
              reasoning: false,
              input: ["text"],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 32768,
              maxTokens: 1024,
            },
          ],
        },
      },
    },
    update: { checkOnStart: false },
  };
  return opts.extraConfig ? deepMerge(base, opts.extraConfig) : base;
}

/**
 * Create a temp HOME (mode 700) with `~/.openclaw/openclaw.json` pointing the default
 * agent model at the given OpenAI-compatible endpoint. Call `cleanup()` when done.
 */
export async function makeOpenclawHome(opts: OpenclawHomeOptions): Promise<OpenclawHome> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), "clawmend-home-"));
  const stateDir = path.join(home, ".openclaw");
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await fs.chmod(home, 0o700);
  const config = openclawVllmConfig(opts);
  const configPath = path.join(stateDir, "openclaw.json");
  await fs.writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    ...OFFLINE_ENV,
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    TMPDIR: os.tmpdir(),
  };
  return {
    home,
    stateDir,
    configPath,
    config,
    env,
    cleanup: () => fs.rm(home, { recursive: true, force: true }),
  };
}

/**
 * Copy of `base` without provider API keys and OpenClaw settings from the caller's
 * environment, with `home.env` merged on top. Use as the env of the CLI child.
 */
export function openclawEnv(base: NodeJS.ProcessEnv, home: OpenclawHome, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!SCRUB.test(k)) out[k] = v;
  return { ...out, ...home.env, ...extra };
}

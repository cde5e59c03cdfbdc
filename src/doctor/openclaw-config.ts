import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import JSON5 from "json5";

/** One model of a provider in OpenClaw's config. */
export interface OpenclawModel {
  id: string;
  /** `compat` as the operator wrote it (e.g. `{ supportsTools: false }`). */
  compat?: Record<string, unknown>;
  raw: Record<string, unknown>;
}

/** A model provider of OpenClaw's config (`models.providers.<id>`). */
export interface OpenclawProvider {
  id: string;
  baseUrl: string | null;
  api: string | null;
  models: OpenclawModel[];
}

export interface OpenclawConfig {
  /** The file read (or that would be read). */
  path: string;
  /** How the path was chosen: `OPENCLAW_CONFIG_PATH`, `OPENCLAW_STATE_DIR`, or `HOME`. */
  from: string;
  found: boolean;
  /** Why it could not be read (a syntax error, say). */
  error?: string;
  providers: OpenclawProvider[];
}

function expandHome(path: string, home: string): string {
  return path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

/**
 * OpenClaw's own config, located the way OpenClaw locates it: `OPENCLAW_CONFIG_PATH`, else
 * `$OPENCLAW_STATE_DIR/openclaw.json`, else `~/.openclaw/openclaw.json` (JSON5).
 */
export function readOpenclawConfig(env: NodeJS.ProcessEnv, cwd: string): OpenclawConfig {
  const home = env.HOME ?? homedir();
  const [path, from] = env.OPENCLAW_CONFIG_PATH
    ? [resolve(cwd, expandHome(env.OPENCLAW_CONFIG_PATH, home)), "OPENCLAW_CONFIG_PATH"]
    : env.OPENCLAW_STATE_DIR
      ? [join(resolve(cwd, expandHome(env.OPENCLAW_STATE_DIR, home)), "openclaw.json"), "OPENCLAW_STATE_DIR"]
      : [join(home, ".openclaw", "openclaw.json"), "HOME"];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { path, from, found: false, providers: [] };
  }
  let doc: unknown;
  try {
    doc = JSON5.parse(text);
  } catch (error) {
    return { path, from, found: true, error: (error as Error).message, providers: [] };
  }
  const providers = record(record(record(doc).models).providers);
  return {
    path,
    from,
    found: true,
    providers: Object.entries(providers).map(([id, value]) => {
      const p = record(value);
      const models = Array.isArray(p.models) ? p.models : [];
      return {
        id,
        baseUrl: typeof p.baseUrl === "string" ? p.baseUrl : null,
        api: typeof p.api === "string" ? p.api : null,
        models: models
          .map((m) => record(m))
          .filter((m) => typeof m.id === "string")
          .map((m) => ({
            id: m.id as string,
            ...(m.compat && typeof m.compat === "object" ? { compat: m.compat as Record<string, unknown> } : {}),
            raw: m,
          })),
      };
    }),
  };
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

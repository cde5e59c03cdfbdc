import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { builtinPatches } from "../patches/builtins.js";
import type { PatchSpec } from "../patches/spec.js";
import type { ResolvedConfig } from "./load.js";
import { configSchema, patchSpecSchema } from "./schema.js";

/** Validates a config object (as exported by a config file) and fills in defaults. */
export function resolveConfig(file: string | null, raw: unknown): ResolvedConfig {
  const where = file ?? "config";
  if (typeof raw !== "object" || raw === null) {
    throw new ConfigError(`${where}: the default export must be an object (use defineConfig({ ... }))`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${where}: ${describeIssue(parsed.error.issues[0]!)}`);
  const { vllm, patches } = parsed.data;
  const builtins = builtinPatches();
  let selected: PatchSpec[];
  if (typeof patches === "function") {
    const returned = patches(builtins);
    const checked = patchSpecSchema.array().safeParse(returned);
    if (!checked.success) {
      throw new ConfigError(`${where}: patches(): ${describeIssue(checked.error.issues[0]!)}`);
    }
    selected = returned;
  } else {
    selected = (patches as PatchSpec[] | undefined) ?? builtins;
  }
  const seen = new Set<string>();
  for (const spec of selected) {
    if (seen.has(spec.id)) throw new ConfigError(`${where}: patches: two patches share the id "${spec.id}"`);
    seen.add(spec.id);
  }
  return { file, vllm, patches: selected };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join(".") : "(root)";
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.join(", ");
    const at = issue.path.length ? `${path}.` : "";
    return `${at}${keys}: unknown key${issue.keys.length > 1 ? "s" : ""}`;
  }
  return `${path}: ${issue.message}`;
}


import { ClawmendError } from "../core/errors.js";
import type { PatchSpec } from "../core/spec.js";
import { configSchema, describeIssue, patchSpecsSchema } from "./schema.js";
import type { BuiltinPatches, Settings, VllmConfigInput } from "./settings.js";

/** Validates a config object (as a config file exports it) and resolves its settings and patches. */
export function resolveConfig(file: string, raw: unknown, builtins: BuiltinPatches): { settings: Settings; patches: PatchSpec[] } {
  if (typeof raw !== "object" || raw === null) {
    throw ClawmendError.usage(`${file}: the default export must be an object (use defineConfig({ ... }))`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw ClawmendError.usage(`${file}: ${describeIssue(parsed.error.issues[0]!)}`);
  const settings: Settings = { vllm: parsed.data.vllm };
  const { patches } = parsed.data;
  let selected: PatchSpec[];
  if (typeof patches === "function") {
    let returned: unknown;
    try {
      returned = patches(builtins(settings));
    } catch (error) {
      throw ClawmendError.usage(`${file}: patches() threw: ${error instanceof Error ? error.message : String(error)}`);
    }
    const checked = patchSpecsSchema.safeParse(returned);
    if (!checked.success) throw ClawmendError.usage(`${file}: patches(): ${describeIssue(checked.error.issues[0]!)}`);
    selected = returned as PatchSpec[];
  } else {
    selected = (patches as PatchSpec[] | undefined) ?? builtins(settings);
  }
  const seen = new Set<string>();
  for (const spec of selected) {
    if (seen.has(spec.id)) throw ClawmendError.usage(`${file}: patches: two patches share the id "${spec.id}"`);
    seen.add(spec.id);
  }
  return { settings, patches: selected };
}

/** The settings a config's `vllm` section resolves to (defaults filled in); throws on a mistake. */
export function resolveSettings(vllm: VllmConfigInput = {}): Settings {
  return resolveConfig("config", { vllm }, () => []).settings;
}

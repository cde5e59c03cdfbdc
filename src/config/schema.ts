// zod/mini: the same checks as zod's chained API in a fraction of the code to load (every run with a
// config file pays for it), with English messages configured once.
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import validRange from "semver/ranges/valid.js";
import type { PatchSpec } from "../core/spec.js";

z.config(en());

/** An http(s) origin or URL: what a request's `baseUrl` can be. */
const httpUrl = z.string().check(
  z.refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === "http:" || url.protocol === "https:";
      } catch {
        return false;
      }
    },
    { message: "an http(s) URL, e.g. http://127.0.0.1:8001" },
  ),
);

const nonEmpty = () => z.string().check(z.minLength(1));
const positiveInt = () => z.int().check(z.positive());
const port = () => z.int().check(z.minimum(1), z.maximum(65535));

export const vllmSchema = z.strictObject({
  endpoints: z._default(z.array(httpUrl), []),
  providers: z._default(z.array(nonEmpty()), ["vllm"]),
  toolCalling: z._default(
    z.strictObject({
      enabled: z._default(z.boolean(), false),
      parser: z._default(nonEmpty(), "hermes"),
    }),
    { enabled: false, parser: "hermes" },
  ),
  launcher: z.prefault(
    z.strictObject({
      model: z.optional(nonEmpty()),
      servedModelName: z.optional(nonEmpty()),
      host: z._default(nonEmpty(), "127.0.0.1"),
      port: z._default(port(), 8001),
      python: z._default(nonEmpty(), "python3"),
      gpuMemoryUtilization: z._default(z.number().check(z.gt(0), z.maximum(1)), 0.9),
      maxModelLen: z.optional(positiveInt()),
      tensorParallelSize: z._default(positiveInt(), 1),
      allowDownload: z._default(z.boolean(), false),
      extraArgs: z._default(z.array(z.string()), []),
      safetyMarginMib: z._default(z.int().check(z.minimum(0)), 512),
      startLimitIntervalSec: z._default(positiveInt(), 60),
      startLimitBurst: z._default(positiveInt(), 3),
      gatewayPort: z._default(port(), 18789),
      runtimeDir: z.optional(nonEmpty()),
    }),
    {},
  ),
});

const idSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, "a lower-case id of letters, digits and dashes"));

const transformSchema = z.custom<PatchSpec["transform"]>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value as { apply?: unknown }).apply === "function" &&
    [undefined, "javascript", "ledger"].includes((value as { input?: unknown }).input as string | undefined),
  { message: "a transform created by one of clawmend's transform functions (or { kind, apply })" },
);

const targetSchema = z.strictObject({
  package: nonEmpty(),
  aliases: z.optional(z.array(nonEmpty())),
  range: z.optional(
    z.string().check(z.refine((range) => validRange(range) !== null, { message: 'a valid semver range, e.g. ">=0.40 <2"' })),
  ),
  files: z.array(nonEmpty()).check(z.minLength(1)),
  ignore: z.optional(z.array(nonEmpty())),
  expect: z.optional(z.enum(["one", "at-least-one", "any"])),
  whenAbsent: z.optional(z.string()),
});

export const patchSpecSchema = z.strictObject({
  id: idSchema,
  version: positiveInt(),
  description: nonEmpty(),
  targets: z.array(targetSchema).check(z.minLength(1)),
  options: z.optional(z.unknown()),
  transform: transformSchema,
  required: z.optional(z.boolean()),
});

export const patchSpecsSchema = z.array(patchSpecSchema);

export const configSchema = z.strictObject({
  vllm: z.prefault(vllmSchema, {}),
  /** The patches to apply. A function receives the built-in ones; default: all built-ins. */
  patches: z.optional(
    z.union([z.array(patchSpecSchema), z.custom<(builtins: PatchSpec[]) => PatchSpec[]>((v) => typeof v === "function")]),
  ),
});

/** The error of a config, as one line naming the key path. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join(".") : "(root)";
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.join(", ");
    const at = issue.path.length ? `${path}.` : "";
    return `${at}${keys}: unknown key${issue.keys.length > 1 ? "s" : ""}`;
  }
  return `${path}: ${issue.message}`;
}

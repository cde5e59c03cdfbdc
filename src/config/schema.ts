import { z } from "zod";
import validRange from "semver/ranges/valid.js";
import type { PatchSpec } from "../core/spec.js";

/** An http(s) origin or URL: what a request's `baseUrl` can be. */
const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "an http(s) URL, e.g. http://127.0.0.1:8001" },
);

const port = z.number().int().min(1).max(65535);

export const vllmSchema = z
  .object({
    endpoints: z.array(httpUrl).default([]),
    providers: z.array(z.string().min(1)).default(["vllm"]),
    toolCalling: z
      .object({
        enabled: z.boolean().default(false),
        parser: z.string().min(1).default("hermes"),
      })
      .strict()
      .default({ enabled: false, parser: "hermes" }),
    launcher: z
      .object({
        model: z.string().min(1).optional(),
        servedModelName: z.string().min(1).optional(),
        host: z.string().min(1).default("127.0.0.1"),
        port: port.default(8001),
        python: z.string().min(1).default("python3"),
        gpuMemoryUtilization: z.number().gt(0).max(1).default(0.9),
        maxModelLen: z.number().int().positive().optional(),
        tensorParallelSize: z.number().int().positive().default(1),
        allowDownload: z.boolean().default(false),
        extraArgs: z.array(z.string()).default([]),
        safetyMarginMib: z.number().int().min(0).default(512),
        startLimitIntervalSec: z.number().int().positive().default(60),
        startLimitBurst: z.number().int().positive().default(3),
        gatewayPort: port.default(18789),
        runtimeDir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a lower-case id of letters, digits and dashes");

const transformSchema = z.custom<PatchSpec["transform"]>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value as { apply?: unknown }).apply === "function" &&
    [undefined, "javascript", "ledger"].includes((value as { input?: unknown }).input as string | undefined),
  { message: "a transform created by one of clawpatch's transform functions (or { kind, apply })" },
);

const targetSchema = z
  .object({
    package: z.string().min(1),
    aliases: z.array(z.string().min(1)).optional(),
    range: z
      .string()
      .refine((range) => validRange(range) !== null, { message: 'a valid semver range, e.g. ">=0.40 <2"' })
      .optional(),
    files: z.array(z.string().min(1)).min(1),
    ignore: z.array(z.string().min(1)).optional(),
    expect: z.enum(["one", "at-least-one", "any"]).optional(),
    whenAbsent: z.string().optional(),
  })
  .strict();

export const patchSpecSchema = z
  .object({
    id: idSchema,
    version: z.number().int().positive(),
    description: z.string().min(1),
    targets: z.array(targetSchema).min(1),
    options: z.unknown().optional(),
    transform: transformSchema,
    required: z.boolean().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    vllm: vllmSchema.prefault({}),
    /** The patches to apply. A function receives the built-in ones; default: all built-ins. */
    patches: z
      .union([z.array(patchSpecSchema), z.custom<(builtins: PatchSpec[]) => PatchSpec[]>((v) => typeof v === "function")])
      .optional(),
  })
  .strict();

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

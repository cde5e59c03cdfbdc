import { z } from "zod";
import validRange from "semver/ranges/valid.js";
import { vllmSchema, type VllmConfigInput } from "./settings.js";
import type { PatchSpec } from "../patches/spec.js";

const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a lower-case id of letters, digits and dashes");

const transformSchema = z.custom<PatchSpec["transform"]>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value as { apply?: unknown }).apply === "function",
  { message: "a transform created by one of clawpatch's transform functions" },
);

const targetSchema = z
  .object({
    package: z.string().min(1),
    aliases: z.array(z.string().min(1)).optional(),
    range: z
      .string()
      .refine((range) => validRange(range) !== null, { message: "a valid semver range, e.g. \">=0.40 <2\"" })
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

export interface UserConfig {
  vllm?: VllmConfigInput;
  patches?: PatchSpec[] | ((builtins: PatchSpec[]) => PatchSpec[]);
}

/** Typed identity for `patches.config.ts`: `export default defineConfig({ ... })`. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

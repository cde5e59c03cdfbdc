import { z } from "zod";

/**
 * The `vllm` section of the config: one source of truth for the vLLM tool gate, the runtime
 * overlay and the launcher generator, so the server's flags and the gate never disagree.
 */
export const vllmSchema = z
  .object({
    /** Origins (`http://host:port`) treated as a local vLLM. Default: loopback hosts on 8000/8001. */
    endpoints: z.array(z.string().url()).optional(),
    /** Provider ids always treated as vLLM, whatever the URL. */
    providers: z.array(z.string().min(1)).default(["vllm"]),
    toolCalling: z
      .object({
        /** The server runs with --enable-auto-tool-choice --tool-call-parser. */
        enabled: z.boolean().default(false),
        /** vLLM --tool-call-parser, used by the launcher when enabled. */
        parser: z.string().min(1).default("hermes"),
      })
      .strict()
      .default({ enabled: false, parser: "hermes" }),
    launcher: z
      .object({
        model: z.string().min(1).optional(),
        servedModelName: z.string().min(1).optional(),
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(1).max(65535).default(8001),
        python: z.string().min(1).default("python3"),
        gpuMemoryUtilization: z.number().gt(0).max(1).default(0.9),
        maxModelLen: z.number().int().positive().optional(),
        tensorParallelSize: z.number().int().positive().default(1),
        allowDownload: z.boolean().default(false),
        extraArgs: z.array(z.string()).default([]),
        /** MiB added to the memory vLLM will claim before comparing with free memory. */
        safetyMarginMib: z.number().int().min(0).default(512),
        startLimitIntervalSec: z.number().int().positive().default(60),
        startLimitBurst: z.number().int().positive().default(3),
        gatewayPort: z.number().int().min(1).max(65535).default(18789),
        /** Runtime copy the gateway unit executes (for the generated systemd drop-in). */
        runtimeDir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type VllmConfigInput = z.input<typeof vllmSchema>;
export type VllmSettings = z.output<typeof vllmSchema>;

export function resolveVllmSettings(input: VllmConfigInput = {}): VllmSettings {
  return vllmSchema.parse(input);
}

// clawmend's configuration for this repository (and the reference for yours).
// `clawmend patch` looks for patches.config.ts in the current directory; without one it
// applies every built-in patch with the defaults below.
import { defineConfig } from "clawmend";

export default defineConfig({
  vllm: {
    // The vLLM server was started without --enable-auto-tool-choice: strip tools from
    // requests to it. The launcher generator reads the same setting for the server's flags.
    toolCalling: { enabled: false, parser: "hermes" },
    // Origins treated as a local vLLM (default: localhost, 127.0.0.0/8, [::1], 0.0.0.0 on 8000/8001).
    // endpoints: ["http://127.0.0.1:8001"],
    launcher: {
      host: "127.0.0.1",
      port: 8001,
      gpuMemoryUtilization: 0.9,
    },
  },
  // patches: (builtins) => builtins.filter((p) => p.id !== "runtime-overlay"),
});

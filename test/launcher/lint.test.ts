import { chmodSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { VllmConfigInput } from "../../src/config/settings.js";
import type { LauncherOverrides } from "../../src/launcher/settings.js";
import { run } from "../support/run.js";
import { generateInto, has, tempDir } from "./helpers.js";

const HOSTILE = `/m/a b'c"$(touch /tmp/clawmend-pwned)\`touch /tmp/clawmend-pwned2\`%h$HOME\\n;`;

const variants: Record<string, { vllm: VllmConfigInput; overrides: LauncherOverrides; mirrorDir?: string }> = {
  defaults: { vllm: { launcher: { model: "Qwen/Qwen2.5-7B-Instruct" } }, overrides: {} },
  "mirror mode": {
    vllm: { launcher: { model: "Qwen/Qwen2.5-7B-Instruct" } },
    overrides: {},
    mirrorDir: "/home/u/.local/state/clawmend/openclaw",
  },
  "tool calling, every option": {
    vllm: {
      toolCalling: { enabled: true, parser: "qwen3_coder" },
      launcher: {
        model: "/srv/models/qwen",
        servedModelName: "qwen",
        maxModelLen: 32768,
        tensorParallelSize: 2,
        extraArgs: ["--enforce-eager", "--kv-cache-dtype=fp8"],
        allowDownload: true,
      },
    },
    overrides: {},
  },
  "hostile values": {
    vllm: { toolCalling: { enabled: true } },
    overrides: { model: HOSTILE, servedModelName: HOSTILE, extraArgs: [HOSTILE], python: HOSTILE, runtimeDir: `/opt${HOSTILE}` },
    mirrorDir: `/home/u${HOSTILE}`,
  },
};

/** Output dirs with awkward names too: the unit's ExecStart must quote them. */
const outNames = ["out", "with space %n $dollar;"];

// Each check is its own shellcheck or systemd-analyze process on its own files: the tests run
// concurrently, and each test's processes at once.
describe.concurrent("shellcheck on vllm-launch.sh and the openclaw wrapper", () => {
  // CI installs shellcheck (.ci/run); without it here, say so rather than pass.
  it("is installed", () => {
    expect(has("shellcheck"), "shellcheck is not installed: apt-get install shellcheck").toBe(true);
  });
  for (const [name, v] of Object.entries(variants)) {
    it(`finds nothing (${name})`, async () => {
      const dir = tempDir();
      const { script, wrapper } = generateInto(dir, v.vllm, v.overrides, v.mirrorDir ?? null);
      const results = await Promise.all(
        [
          [script, "bash"],
          [wrapper, "sh"],
        ].map(([file, shell]) => run("shellcheck", [`--shell=${shell}`, file!])),
      );
      for (const result of results) {
        expect(result.stdout + result.stderr).toBe("");
        expect(result.code).toBe(0);
      }
    });
  }
});

/**
 * systemd-analyze verify in user mode against the generated files. It exits 0 on warnings,
 * so the test requires that it prints nothing at all.
 */
async function verify(unitDir: string, unit: string): Promise<{ status: number | null; output: string }> {
  const runtime = tempDir("clawmend-xdg-");
  chmodSync(runtime, 0o700);
  const result = await run("systemd-analyze", ["--user", "--man=no", "verify", unit], {
    env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_UNIT_PATH: `${unitDir}:`, SYSTEMD_LOG_COLOR: "0" },
  });
  return { status: result.code, output: result.stdout + result.stderr };
}

describe.concurrent("systemd-analyze verify on the generated units", () => {
  for (const outName of outNames) {
    for (const [name, v] of Object.entries(variants)) {
      it.skipIf(!has("systemd-analyze"))(`prints nothing (${name}, out dir "${outName}")`, async () => {
        const root = tempDir();
        const out = join(root, outName);
        generateInto(out, v.vllm, v.overrides, v.mirrorDir ?? null);
        // A unit directory the way ~/.config/systemd/user looks after INSTALL.md: the vLLM unit,
        // OpenClaw's own gateway unit (a stand-in), and the generated drop-in next to it.
        const units = join(root, "units");
        mkdirSync(units);
        cpSync(join(out, "openclaw-vllm.service"), join(units, "openclaw-vllm.service"));
        cpSync(join(out, "openclaw-gateway.service.d"), join(units, "openclaw-gateway.service.d"), { recursive: true });
        writeFileSync(
          join(units, "openclaw-gateway.service"),
          "[Unit]\nDescription=OpenClaw gateway (stand-in)\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=default.target\n",
        );
        const unitNames = ["openclaw-vllm.service", "openclaw-gateway.service"];
        const results = await Promise.all(unitNames.map((unit) => verify(units, unit)));
        for (const [i, unit] of unitNames.entries()) {
          expect({ unit, output: results[i]!.output }).toEqual({ unit, output: "" });
          expect(results[i]!.status).toBe(0);
        }
      });
    }
  }

  it.skipIf(!has("systemd-analyze"))("would notice a problem (the check is live)", async () => {
    const units = tempDir();
    writeFileSync(join(units, "broken.service"), "[Service]\nExecStart=/bin/true\nBogusKey=1\n");
    expect((await verify(units, "broken.service")).output).toMatch(/Unknown key/);
  });
});

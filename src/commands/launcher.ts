import { createHash } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CAC } from "cac";
import { ClawmendError } from "../core/errors.js";
import { TOOL_VERSION } from "../core/version.js";
import type { LauncherOverrides } from "../launcher/settings.js";
import { commandConfig } from "./config.js";
import type { CommandIO, CommandRegistrar } from "./io.js";

/** clawmend's own bin script: `bin/clawmend.js` next to `src/` and `dist/`. */
export const DEFAULT_CLAWMEND_BIN = fileURLToPath(new URL("../../bin/clawmend.js", import.meta.url));

const VALUE_OPTIONS = [
  "out",
  "config",
  "model",
  "served-model-name",
  "host",
  "port",
  "python",
  "gpu-memory-utilization",
  "max-model-len",
  "tensor-parallel-size",
  "tool-call-parser",
  "extra-arg",
  "runtime",
  "node",
  "clawmend-bin",
  "unit-dir",
  "heal",
  "mirror-dir",
] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

/** `clawmend launcher`: generates the vLLM preflight launcher and systemd units (issue 6). */
export const registerLauncher: CommandRegistrar = (cli, io, done) => {
  cli
    .command("launcher", "Generate the vLLM launcher (preflight script) and the systemd units")
    .option("--out <dir>", "Directory to write vllm-launch.sh, the units and INSTALL.md into (required)")
    .option("--config <file>", "Config file (default: patches.config.ts in the current directory)")
    .option("--model <model>", "Model: a local directory with config.json, or a Hugging Face hub id")
    .option("--served-model-name <name>", "vLLM --served-model-name")
    .option("--host <host>", "Address vLLM listens on (default 127.0.0.1)")
    .option("--port <port>", "Port vLLM listens on (default 8001)")
    .option("--python <python>", "Python interpreter with vLLM installed (default python3; prefer an absolute path)")
    .option("--gpu-memory-utilization <fraction>", "vLLM --gpu-memory-utilization, in (0, 1] (default 0.9)")
    .option("--max-model-len <n>", "vLLM --max-model-len")
    .option("--tensor-parallel-size <n>", "vLLM --tensor-parallel-size (default 1)")
    .option("--tool-call-parser <parser>", "vLLM --tool-call-parser when tool calling is on (default hermes)")
    .option("--tool-calling", "Serve with --enable-auto-tool-choice (--no-tool-calling: without)")
    .option("--allow-download", "Let vLLM download a hub model missing from the Hugging Face cache")
    .option("--extra-arg <arg>", "Extra vLLM argument, repeatable; replaces the config's list (--extra-arg=--flag)")
    .option("--runtime <dir>", "OpenClaw runtime copy the gateway runs (dist/index.js) and clawmend verifies")
    .option(
      "--heal <mode>",
      "How the unit keeps the runtime patched: in-place, mirror (a patched copy in your state dir), or auto (default: in-place when you can write --runtime)",
    )
    .option("--mirror-dir <dir>", "Where mirror mode keeps the patched runtime (default: $XDG_STATE_HOME/clawmend/openclaw)")
    .option("--node <path>", "Node binary for the gateway unit (default: the node running clawmend)")
    .option("--clawmend-bin <path>", "clawmend bin for the gateway's ExecStartPre (default: this clawmend)")
    .option(
      "--unit-dir <dir>",
      "Read the current openclaw-gateway.service from this directory (repeatable; default: the systemd user unit path)",
    )
    .option("--json", "Print one JSON document describing what was written")
    .example("clawmend launcher --out ~/.local/share/clawmend --model Qwen/Qwen2.5-7B-Instruct --runtime ~/src/clawd/.runtime/openclaw")
    .action((options: Record<string, unknown>) => {
      done(runLauncher(cli, io, options));
    });
};

async function runLauncher(cli: CAC, io: CommandIO, options: Record<string, unknown>): Promise<number> {
  const raw = rawValues(cli.rawArgs.slice(2));
  const last = (name: ValueOption) => raw.get(name)?.at(-1);
  const out = last("out");
  if (out === undefined) throw ClawmendError.usage("launcher: --out DIR is required");
  const [
    { generateLauncher },
    { resolveLauncherSettings },
    { SCRIPT_NAME, INSTALL_NAME, GATEWAY_UNIT, clientBaseUrl },
    { vllmArgs },
    { writeLauncherFiles },
    gateway,
    systemd,
  ] = await Promise.all([
    import("../launcher/generate.js"),
    import("../launcher/settings.js"),
    import("../launcher/units.js"),
    import("../launcher/script.js"),
    import("../launcher/write.js"),
    import("../launcher/gateway.js"),
    import("../system/systemd.js"),
  ]);
  const config = await commandConfig(io, last("config"));

  const overrides: LauncherOverrides = {};
  const set = <K extends keyof LauncherOverrides>(key: K, value: LauncherOverrides[K] | undefined) => {
    if (value !== undefined) overrides[key] = value;
  };
  set("model", last("model"));
  set("servedModelName", last("served-model-name"));
  set("host", last("host"));
  set("port", integer("--port", last("port")));
  set("python", last("python"));
  set("gpuMemoryUtilization", fraction("--gpu-memory-utilization", last("gpu-memory-utilization")));
  set("maxModelLen", integer("--max-model-len", last("max-model-len")));
  set("tensorParallelSize", integer("--tensor-parallel-size", last("tensor-parallel-size")));
  set("toolCallParser", last("tool-call-parser"));
  set("toolCalling", lastBoolean(options.toolCalling));
  set("allowDownload", lastBoolean(options.allowDownload));
  set("extraArgs", raw.get("extra-arg"));
  set("runtimeDir", last("runtime"));

  const runtimeArg = last("runtime") ?? config.settings.vllm.launcher.runtimeDir;
  const mirrorDir = runtimeArg === undefined ? null : healMirrorDir(last("heal"), last("mirror-dir"), resolve(io.cwd, runtimeArg), io);
  const unitDirs = raw.get("unit-dir")?.map((d) => resolve(io.cwd, d));
  const unit = systemd.findUnit(GATEWAY_UNIT, io.env, unitDirs);
  const settings = resolveLauncherSettings(config.settings.vllm, overrides, {
    cwd: io.cwd,
    outDir: out,
    node: last("node") ?? process.execPath,
    clawmendBin: last("clawmend-bin") ?? DEFAULT_CLAWMEND_BIN,
    configFile: config.file,
    generator: `clawmend ${TOOL_VERSION}`,
    gatewayArgs: gateway.gatewayArgsFromUnit(unit.files, io.env),
    mirrorDir,
  });
  const checked = settings.gateway ? gateway.checkGatewayRuntime(settings.gateway) : null;
  const { files } = generateLauncher(settings);
  const written = writeLauncherFiles(settings.outDir, files);

  if (options.json) {
    const contentOf = new Map(files.map((f) => [f.path, f.content]));
    const document = {
      out: settings.outDir,
      config: config.file,
      files: written.map((w) => ({
        path: w.path,
        absolutePath: w.absolutePath,
        mode: `0${w.mode.toString(8)}`,
        bytes: w.bytes,
        sha256: createHash("sha256").update(contentOf.get(w.path)!).digest("hex"),
        status: w.status,
      })),
      vllm: {
        model: settings.model,
        host: settings.host,
        port: settings.port,
        baseUrl: clientBaseUrl(settings),
        python: settings.python,
        args: vllmArgs(settings),
        toolCalling: settings.toolCalling,
      },
      gateway: settings.gateway && {
        runtimeDir: settings.gateway.runtimeDir,
        openclaw: checked!.openclawVersion,
        args: settings.gateway.args,
        node: settings.gateway.node,
        nodeVersion: checked!.node.version,
        clawmendBin: settings.gateway.clawmendBin,
        verifyConfig: settings.gateway.configFile ?? null,
        heal: settings.gateway.mirrorDir ? "mirror" : "in-place",
        mirrorDir: settings.gateway.mirrorDir,
        env: { OPENCLAW_VLLM_TOOLCALL: settings.toolCalling.enabled ? "1" : "0" },
      },
    };
    io.out(JSON.stringify(document, null, 2));
    return 0;
  }
  const c = io.colors;
  for (const w of written) {
    io.out(`${w.status === "written" ? c.green("wrote    ") : c.dim("unchanged")} ${w.absolutePath}`);
  }
  io.out(
    `vLLM: ${settings.model} on ${settings.host}:${settings.port}, tool calling ${
      settings.toolCalling.enabled ? `on (${settings.toolCalling.parser})` : "off"
    }`,
  );
  if (settings.gateway) {
    io.out(
      `gateway: openclaw ${checked!.openclawVersion} at ${settings.gateway.runtimeDir}, Node ${checked!.node.version} (${settings.gateway.node})`,
    );
    io.out(
      settings.gateway.mirrorDir
        ? `heal: mirror mode, the unit runs a patched mirror at ${settings.gateway.mirrorDir} (rebuilt before a start when the runtime changed)`
        : `heal: in place, the unit patches ${settings.gateway.runtimeDir} before a start when it changed`,
    );
  } else {
    io.out("gateway: no drop-in written (no --runtime): the vLLM launcher and its unit need no OpenClaw runtime");
  }
  io.out(`next: ${settings.outDir}/${SCRIPT_NAME} --preflight-only, then follow ${settings.outDir}/${INSTALL_NAME}`);
  return 0;
}

/**
 * The raw text of each value option, in order. cac (mri) turns numeric-looking values into
 * numbers (`1e3` → 1000, `0x10` → 16); values must reach vLLM verbatim, so read them here.
 */
export function rawValues(argv: readonly string[]): Map<ValueOption, string[]> {
  const found = new Map<ValueOption, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    for (const name of VALUE_OPTIONS) {
      const flag = `--${name}`;
      let value: string | undefined;
      if (arg === flag) {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith("-")) {
          throw ClawmendError.usage(`${flag} needs a value (write ${flag}=VALUE for a value that starts with "-")`);
        }
        value = next;
        i++;
      } else if (arg.startsWith(`${flag}=`)) {
        value = arg.slice(flag.length + 1);
      } else {
        continue;
      }
      found.set(name, [...(found.get(name) ?? []), value]);
      break;
    }
  }
  return found;
}

/**
 * Mirror mode's directory, or null for in place. `auto` picks in place when this user (the
 * unit's) can write the runtime and its dist, else a mirror in the user's state directory.
 */
function healMirrorDir(mode: string | undefined, dir: string | undefined, runtime: string, io: CommandIO): string | null {
  const picked = mode ?? "auto";
  if (!["auto", "in-place", "mirror"].includes(picked)) {
    throw ClawmendError.usage(`--heal must be in-place, mirror or auto, got ${JSON.stringify(picked)}`);
  }
  if (picked === "in-place" && dir !== undefined) throw ClawmendError.usage("--mirror-dir goes with --heal mirror (or auto), not in-place");
  const mirror = () => {
    if (dir !== undefined) return resolve(io.cwd, dir);
    const home = io.env.HOME;
    const state = io.env.XDG_STATE_HOME || (home ? join(home, ".local", "state") : undefined);
    if (!state) throw ClawmendError.usage("mirror mode needs --mirror-dir DIR (neither XDG_STATE_HOME nor HOME is set)");
    return join(state, "clawmend", "openclaw");
  };
  if (picked === "mirror") return mirror();
  if (picked === "in-place") return null;
  return writable(runtime) && writable(join(runtime, "dist")) ? null : mirror();
}

/** Whether this user can write `path` (a path that does not exist yet counts as writable: its parent decides). */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw ClawmendError.usage(`${flag} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function fraction(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^(?:0|1)?(?:\.[0-9]+)?$/.test(text) || text === "" || text === "." || !(n > 0 && n <= 1)) {
    throw ClawmendError.usage(`${flag} must be a number in (0, 1], got ${JSON.stringify(text)}`);
  }
  return n;
}

function lastBoolean(value: unknown): boolean | undefined {
  const v = Array.isArray(value) ? value.at(-1) : value;
  if (v === undefined) return undefined;
  return v === true || v === "true";
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ClawmendError } from "../core/errors.js";
import { engineMismatch, nodeRuntime, type NodeRuntime } from "../system/node.js";
import { effectiveExecStart, expandSpecifiers, splitCommand, type UnitFile } from "../system/systemd.js";
import type { GatewaySettings } from "./settings.js";

export interface CheckedGateway {
  openclawVersion: string;
  node: NodeRuntime;
}

/**
 * What the drop-in will run must be able to run: `--runtime` holds an openclaw package, and the
 * drop-in's Node satisfies that package's `engines.node`. Refuses (exit 2) otherwise.
 */
export function checkGatewayRuntime(g: GatewaySettings): CheckedGateway {
  let pkg: { name?: unknown; version?: unknown; engines?: { node?: unknown } };
  try {
    pkg = JSON.parse(readFileSync(join(g.runtimeDir, "package.json"), "utf8"));
  } catch {
    throw ClawmendError.usage(
      `--runtime ${g.runtimeDir}: not an openclaw package (no readable package.json); pass the runtime the gateway runs`,
    );
  }
  if (pkg.name !== "openclaw") {
    throw ClawmendError.usage(
      `--runtime ${g.runtimeDir}: not an openclaw package (package.json name is ${JSON.stringify(pkg.name ?? null)})`,
    );
  }
  const version = String(pkg.version);
  const node = nodeRuntime(g.node);
  const range = typeof pkg.engines?.node === "string" ? pkg.engines.node : undefined;
  const mismatch = engineMismatch(node, range, `openclaw ${version}`);
  if (mismatch)
    throw ClawmendError.usage(`the gateway drop-in would fail to start: ${mismatch}; pass --node PATH to a Node that satisfies it`);
  return { openclawVersion: version, node };
}

/**
 * The arguments the operator's gateway unit passes after its entry (`dist/index.js`, the
 * `openclaw.mjs` bin or `openclaw` on PATH), when it names them: a drop-in keeps them (bind,
 * port, auth flags). Null when the unit cannot be read or runs something else.
 */
export function gatewayArgsFromUnit(files: readonly UnitFile[], env: NodeJS.ProcessEnv): string[] | null {
  const exec = effectiveExecStart([...files]);
  if (!exec) return null;
  const words = splitCommand(expandSpecifiers(exec.value, env));
  const entry = words.findIndex((w) => /(?:^|\/)(?:dist\/index\.m?js|dist\/entry\.m?js|openclaw\.mjs|openclaw)$/.test(w));
  if (entry === -1) return null;
  const args = words.slice(entry + 1);
  return args[0] === "gateway" ? args : null;
}

/**
 * A generated gateway drop-in run the way systemd runs it: every `ExecCondition=` in order (exit
 * 0 goes on; 1–254 skips the start without failing the unit, as systemd does; anything else
 * fails it), every `ExecStartPre=`, then the last `ExecStart=`, with the drop-in's
 * `Environment=` over the unit's environment, cwd = HOME, as the unit's user.
 */
import { readFileSync } from "node:fs";
import { splitCommand } from "../../src/system/systemd.js";
import { serviceEnv, startService, type Gateway, type GatewayHome, type UnitUser } from "./gateway.js";
import { run, type RunResult } from "./run.js";

export interface DropIn {
  conditions: string[][];
  startPre: string[][];
  execStart: string[];
  environment: Record<string, string>;
}

/** Undoes the drop-in generator's `%%` and `$$` escapes (the only ones it writes). */
const words = (value: string) => splitCommand(value).map((w) => w.replace(/%%/g, "%").replace(/\$\$/g, "$"));

export function readDropIn(file: string): DropIn {
  const dropIn: DropIn = { conditions: [], startPre: [], execStart: [], environment: {} };
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (line.startsWith("#") || eq === -1) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "ExecCondition") dropIn.conditions.push(words(value));
    else if (key === "ExecStartPre") dropIn.startPre.push(words(value));
    else if (key === "ExecStart") dropIn.execStart = value === "" ? [] : words(value);
    else if (key === "Environment") {
      const [name, ...rest] = value.split("=");
      dropIn.environment[name!] = rest.join("=");
    }
  }
  return dropIn;
}

export interface UnitStart {
  /** What each `ExecCondition=` / `ExecStartPre=` line printed and returned, in order. */
  steps: RunResult[];
  /** systemd skipped the start (an `ExecCondition=` exited 1–254): not failed, not restarted. */
  skipped: boolean;
  gateway: Gateway | null;
}

/**
 * The steps systemd runs before `ExecStart=` (every `ExecCondition=`, then every `ExecStartPre=`),
 * as one start of the unit with this drop-in runs them; `skipped` when a condition skipped the start.
 */
export async function runStartSteps(
  dropInFile: string,
  node: string,
  home: GatewayHome,
  as?: UnitUser,
): Promise<{ dropIn: DropIn; env: NodeJS.ProcessEnv; steps: RunResult[]; skipped: boolean }> {
  const dropIn = readDropIn(dropInFile);
  const env = { ...serviceEnv(node, home, as), ...dropIn.environment };
  const steps: RunResult[] = [];
  const step = async (argv: string[]) => {
    const result = await run(argv[0]!, argv.slice(1), { cwd: home.home, env, timeoutMs: 15 * 60_000, ...(as ? { as } : {}) });
    steps.push(result);
    return result;
  };
  for (const argv of dropIn.conditions) {
    const r = await step(argv);
    if (r.code === 0) continue;
    if (r.code !== null && r.code >= 1 && r.code <= 254) return { dropIn, env, steps, skipped: true };
    throw new Error(`ExecCondition= failed the unit (${r.code ?? r.signal}):\n${r.stderr}`);
  }
  for (const argv of dropIn.startPre) {
    const r = await step(argv);
    if (r.code !== 0) throw new Error(`ExecStartPre= failed the unit (${r.code ?? r.signal}):\n${r.stderr}`);
  }
  return { dropIn, env, steps, skipped: false };
}

/** One `systemctl --user start` of the gateway unit with this drop-in. */
export async function startUnit(dropInFile: string, node: string, home: GatewayHome, as?: UnitUser): Promise<UnitStart> {
  const { dropIn, env, steps, skipped } = await runStartSteps(dropInFile, node, home, as);
  if (skipped) return { steps, skipped, gateway: null };
  return { steps, skipped, gateway: await startService(dropIn.execStart, home, env, as ? { as } : {}) };
}

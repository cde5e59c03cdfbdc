import type { CAC } from "cac";
import pc from "picocolors";

/** Where a command writes, and whether it may colour its output. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress may be drawn there. */
  errIsTTY: boolean;
  colors: ReturnType<typeof pc.createColors>;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function processIO(): CommandIO {
  const useColor = Boolean(process.stdout.isTTY) && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";
  return {
    out: (text) => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    errIsTTY: Boolean(process.stderr.isTTY),
    colors: pc.createColors(useColor),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Splits `--only a,b --only c` into ids. */
export function idList(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values
    .flatMap((v) => String(v).split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Adds one command to the CLI; its action hands its exit code (or the promise of one) to `done`. */
export type CommandRegistrar = (cli: CAC, io: CommandIO, done: (code: number | Promise<number>) => void) => void;

/**
 * Shared helpers for the overlay tests on real OpenClaw packages: patching a copy with the
 * overlay (dist entries AND the bin), and an evaluation-order probe.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, run, type RunResult } from "../support/real-packages.js";

/** `node bin/clawpatch.js patch --root DIR …` (the built CLI; global-setup builds it). */
export function clawpatch(args: readonly string[], timeoutMs = 30 * 60_000): Promise<RunResult> {
  return run(process.execPath, [path.join(REPO_ROOT, "bin", "clawpatch.js"), ...args], {
    env: { ...process.env, NO_COLOR: "1" },
    timeoutMs,
  });
}

/**
 * A clawpatch config (written into `dir`) with the built-in patches and `vllm.endpoints` when
 * given (the fake vLLM listens on a random port, not the default 8000/8001).
 */
export function writeOverlayConfig(dir: string, endpoints?: string[]): string {
  const file = path.join(dir, "overlay-test.config.ts");
  writeFileSync(file, `export default { ${endpoints ? `vllm: { endpoints: ${JSON.stringify(endpoints)} }` : ""} };\n`);
  return file;
}

/**
 * A `--import` preload for Node >= 22.15 that makes every ES module under `root` print
 * `EVAL <path relative to root>` to stderr as the FIRST statement of its body (after a
 * shebang). A module body runs after the bodies of its static imports, so the order of the
 * EVAL lines is the order in which module bodies start to run.
 */
export function writeEvalProbe(dir: string, root: string): string {
  const file = path.join(dir, "eval-probe.mjs");
  writeFileSync(
    file,
    `import { registerHooks } from "node:module";
import { pathToFileURL } from "node:url";
const ROOT = pathToFileURL(${JSON.stringify(root)}).href + "/";
registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (result.format !== "module" || !url.startsWith(ROOT) || url.includes("/node_modules/")) return result;
    const text = typeof result.source === "string" ? result.source : Buffer.from(result.source).toString("utf8");
    const probe = "process.stderr.write(" + JSON.stringify("EVAL " + url.slice(ROOT.length) + "\\n") + ");";
    const nl = text.startsWith("#!") ? text.indexOf("\\n") + 1 : 0;
    return { ...result, source: text.slice(0, nl) + probe + text.slice(nl) };
  },
});
`,
  );
  return file;
}

/** The module paths of the EVAL lines, in order. */
export function evalOrder(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("EVAL "))
    .map((l) => l.slice(5));
}

/** JSON lines of a stream (lines that parse as objects). */
export function jsonLines(text: string): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // not JSON
    }
  }
  return out;
}

/**
 * Probes for real OpenClaw runs: a config naming the fake vLLM's endpoint, the order in which
 * module bodies start to run, and the JSON lines a run printed.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";

/** A patches.config.ts in `dir` with these `vllm` settings (e.g. the fake vLLM's endpoint) and the built-in patches. */
export function writeConfig(dir: string, vllm: Record<string, unknown> = {}): string {
  const file = path.join(dir, "test.config.ts");
  writeFileSync(file, `export default { vllm: ${JSON.stringify(vllm)} };\n`);
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

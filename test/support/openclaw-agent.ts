/**
 * Running the real OpenClaw CLI in end-to-end tests: a fresh copy of a cached global-style
 * install with the Node that runs it, and one `openclaw agent --local --message ping` turn.
 */
import path from "node:path";
import { nodeBinary, runNode, type NodeMajor } from "./node-runtime.js";
import { openclawEnv, type OpenclawHome } from "./openclaw-home.js";
import { copyTree, globalStyleInstall, type RunResult } from "./real-packages.js";

/**
 * A fresh copy of the global-style install of `openclaw@version` and the Node binary for it.
 * npm runs openclaw's preinstall (2026.9.x: a Node >= 24.16 check) with the `node` on PATH,
 * so that Node is put first on PATH while the cached install is made.
 */
export async function openclawCopy(version: string, major: NodeMajor): Promise<{ node: string; copy: string }> {
  const node = await nodeBinary(major);
  const savedPath = process.env.PATH;
  process.env.PATH = `${path.dirname(node)}${path.delimiter}${savedPath}`;
  try {
    return { node, copy: await copyTree(await globalStyleInstall(`openclaw@${version}`)) };
  } finally {
    process.env.PATH = savedPath;
  }
}

/** One `openclaw agent --local --message ping` turn of the copy's bin, with HOME's config. */
export function agentTurn(node: string, copy: string, home: OpenclawHome, extra: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return runNode(node, [path.join(copy, "openclaw.mjs"), "agent", "--local", "--message", "ping"], {
    env: openclawEnv(process.env, home, extra),
    timeoutMs,
  });
}

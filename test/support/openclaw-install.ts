/**
 * The cached global-style install of a published openclaw, with the Node that runs it (first on
 * npm's PATH while the install is made: 2026.9.x checks for Node >= 24.16).
 */
import path from "node:path";
import { nodeBinary, type NodeMajor } from "./node-runtime.js";
import { globalStyleInstall } from "./real-packages.js";

export async function openclawInstall(version: string, major: NodeMajor): Promise<{ node: string; install: string }> {
  const node = await nodeBinary(major);
  return { node, install: await globalStyleInstall(`openclaw@${version}`, { nodeDir: path.dirname(node) }) };
}

/** The OpenClaw versions the end-to-end tests run, and the Node major each runs under. */
export const OPENCLAW_RUNTIMES: ReadonlyArray<{ version: string; major: NodeMajor }> = [
  { version: "2026.2.26", major: 22 },
  { version: "2026.9.6", major: 26 },
];

/** The releases the heal tests update from (test/real/service/heal-2026.9: 2026.9.5 → 2026.9.6; the 2026.2 case reinstalls 2026.2.26). */
export const OPENCLAW_PREVIOUS: ReadonlyArray<{ version: string; major: NodeMajor }> = [{ version: "2026.9.5", major: 26 }];

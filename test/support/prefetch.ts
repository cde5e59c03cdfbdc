/**
 * The downloads most real-package test files wait for (the two OpenClaw installs and their Node
 * binaries, several minutes on a fresh machine), started by the global setup while the fixture
 * tests run (see `sequencer.ts`). The cache's locks make a test that needs one wait for it, or
 * make it itself when the prefetch failed (the test then reports why).
 */
import { OPENCLAW_RUNTIMES, openclawInstall } from "./openclaw-install.js";

export async function prefetch(): Promise<void> {
  await Promise.all(OPENCLAW_RUNTIMES.map(({ version, major }) => openclawInstall(version, major)));
}

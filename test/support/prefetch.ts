/**
 * The downloads most real-package test files wait for (the OpenClaw installs and their Node
 * binaries, several minutes on a fresh machine), started when the run is ordered (see
 * `sequencer.ts`) while the fixture tests run. The cache's locks make a test that needs one wait
 * for it, or make it itself when the prefetch failed (the test then reports why).
 *
 * All the installs start at once: they wait on the registry far more than on the CPU, and the
 * longest test files (the heal tests, run first) need the previous releases.
 */
import { OPENCLAW_PREVIOUS, OPENCLAW_RUNTIMES, openclawInstall } from "./openclaw-install.js";

export async function prefetch(): Promise<void> {
  await Promise.all([...OPENCLAW_RUNTIMES, ...OPENCLAW_PREVIOUS].map(({ version, major }) => openclawInstall(version, major)));
}

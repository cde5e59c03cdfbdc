/**
 * Heal at start on openclaw 2026.2.26 (Node 22), in place, and the same version reinstalled over
 * the patched tree (what `npm i -g openclaw` of the installed version, or an updater's repair,
 * leaves): see `heal-suite.ts`. An update to a later release is the 2026.9 case's (2026.9.5 →
 * 2026.9.6, in place and as a mirror).
 */
import { expect } from "vitest";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";
import { describeHealInPlace } from "./heal-suite.js";

describeHealInPlace({
  from: "2026.2.26",
  to: "2026.2.26",
  major: 22,
  catalogRefreshKey: false,
  pendingLifecycle: false,
  // This version prints the provider's error as the turn's reply and exits 0.
  expectRejectedTurn(turn) {
    expect(turn.code).toBe(0);
    expect(turn.stdout).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
  },
  restartTurn: true,
});

/** Heal at start on openclaw 2026.2.25 → 2026.2.26 (Node 22), in place: see `heal-suite.ts`. */
import { expect } from "vitest";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";
import { describeHealInPlace } from "./heal-suite.js";

describeHealInPlace({
  from: "2026.2.25",
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

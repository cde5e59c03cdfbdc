/** Heal at start on openclaw 2026.9.5 → 2026.9.6 (Node 26): see `heal-suite.ts`. */
import { expect } from "vitest";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";
import { describeHealInPlace, describeHealMirror, type HealCase } from "./heal-suite.js";

const c: HealCase = {
  from: "2026.9.5",
  to: "2026.9.6",
  major: 26,
  catalogRefreshKey: true,
  pendingLifecycle: true,
  // This version fails the turn with a summary; vLLM's own message is only in the service's log.
  expectRejectedTurn(turn, gatewayOutput) {
    expect(turn.code).toBe(1);
    expect(turn.stderr).toContain("LLM request failed");
    expect(gatewayOutput).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
  },
  // The 2026.2 case runs the turn after a restart; here a restart's start steps.
  restartTurn: false,
};
describeHealInPlace(c);
describeHealMirror(c);

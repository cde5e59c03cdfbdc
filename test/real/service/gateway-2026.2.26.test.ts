/** The gateway service of openclaw 2026.2.26 (Node 22): see `gateway-suite.ts`. */
import { expect } from "vitest";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";
import { describeGatewayService } from "./gateway-suite.js";

describeGatewayService({
  version: "2026.2.26",
  major: 22,
  catalogRefreshKey: false,
  pendingLifecycle: false,
  // This version prints the provider's error as the turn's reply and exits 0.
  expectRejectedTurn(turn) {
    expect(turn.code).toBe(0);
    expect(turn.stdout).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
  },
});

/** The gateway service of openclaw 2026.9.6 (Node 26): see `gateway-suite.ts`. */
import { expect } from "vitest";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../../support/vllm-server.js";
import { describeGatewayService } from "./gateway-suite.js";

describeGatewayService({
  version: "2026.9.6",
  major: 26,
  catalogRefreshKey: true,
  pendingLifecycle: true,
  // This version fails the turn with a summary; vLLM's own message is only in the service's log.
  expectRejectedTurn(turn, gatewayOutput) {
    expect(turn.code).toBe(1);
    expect(turn.stderr).toContain("LLM request failed");
    expect(gatewayOutput).toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
  },
});

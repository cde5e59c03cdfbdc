/**
 * Every suite that starts openclaw 2026.2.26 from a copy, one after another in one file: the
 * heal at start (in place, a reinstall over the patched tree), the learned gate, the tool gate
 * alone, the runtime overlay, and the network guard under getifaddrs() EPERM. Each suite says
 * what state it starts from, makes its own copy and removes it when it ends, so every copy lands
 * at the same path (see `copyTree`): OpenClaw 2026.2.x's transpile cache, keyed by absolute path,
 * is cold for the first start only, instead of once more for every file that ran beside another.
 */
import { expect } from "vitest";
import { describeRuntimeOverlay } from "./overlay/real-2026.2.26.js";
import { describeLearnedGate } from "./overlay/learned-suite.js";
import { describeStatusUnderEperm } from "./network-guard/e2e-status.js";
import { describeHealInPlace } from "./service/heal-suite.js";
import { describeToolGateAgentTurns } from "./tool-gate/e2e-openclaw.js";
import { VLLM_AUTO_TOOL_CHOICE_ERROR } from "../support/vllm-server.js";

// First: its pristine failure runs on a copy no OpenClaw command has touched, and is the cold start.
describeHealInPlace({
  // A reinstall of the same version over the patched tree (what `npm i -g openclaw` of the
  // installed version, or an updater's repair, leaves); an update to a later release is the
  // 2026.9 case's (2026.9.5 → 2026.9.6, in place and as a mirror).
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

describeLearnedGate({
  version: "2026.2.26",
  major: 22,
  catalogRefreshKey: false,
  agentArgs: ["--session-id", "clawmend-learned"],
  unrelatedRefusalControl: true,
  recheckThroughGateway: true,
  // This version leaves tool_choice out (vLLM's default for a request with tools is "auto").
  expectRejectedTurn(_turn, chats) {
    expect(chats[0]!.body).not.toHaveProperty("tool_choice");
  },
});

describeToolGateAgentTurns();
describeRuntimeOverlay();
describeStatusUnderEperm();

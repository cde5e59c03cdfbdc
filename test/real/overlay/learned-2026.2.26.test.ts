import { describeLearnedGate } from "./learned-suite.js";

describeLearnedGate({
  version: "2026.2.26",
  major: 22,
  catalogRefreshKey: false,
  agentArgs: ["--session-id", "clawmend-learned"],
  unrelatedRefusalControl: true,
  recheckThroughGateway: true,
});

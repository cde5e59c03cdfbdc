import { describeLearnedGate } from "./learned-suite.js";

// The unrelated-400 control runs on 2026.2.26 (see \`unrelatedRefusalControl\`).
describeLearnedGate({ version: "2026.9.6", major: 26, catalogRefreshKey: true, unrelatedRefusalControl: false });

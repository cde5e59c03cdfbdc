import { describeLearnedGate } from "./learned-suite.js";

describeLearnedGate({ version: "2026.9.6", major: 26, catalogRefreshKey: true });

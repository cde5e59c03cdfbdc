/** Heal at start on openclaw 2026.2.25 → 2026.2.26 (Node 22), in place: see `heal-suite.ts`. */
import { describeHealInPlace } from "./heal-suite.js";

describeHealInPlace({ from: "2026.2.25", to: "2026.2.26", major: 22, catalogRefreshKey: false });

/** Heal at start on openclaw 2026.9.5 → 2026.9.6 (Node 26): see `heal-suite.ts`. */
import { describeHealInPlace, describeHealMirror } from "./heal-suite.js";

const c = { from: "2026.9.5", to: "2026.9.6", major: 26, catalogRefreshKey: true } as const;
describeHealInPlace(c);
describeHealMirror(c);

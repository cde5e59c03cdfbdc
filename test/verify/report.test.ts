import pc from "picocolors";
import { describe, expect, it } from "vitest";
import type { ExitCode } from "../../src/core/errors.js";
import type { Mode } from "../../src/verify/decide.js";
import { renderReport, type RunReport } from "../../src/verify/report.js";

/** A report of a run that found no package: only its mode and exit code matter to the verdict. */
function emptyReport(mode: Mode, exitCode: ExitCode): RunReport {
  return {
    tool: { name: "clawmend", version: "0.0.0" },
    mode,
    root: "/srv/app",
    config: null,
    patches: [],
    packages: ["openclaw"],
    copies: [],
    summary: {} as RunReport["summary"],
    exitCode,
    changes: [],
  };
}

describe("renderReport's verdict line", () => {
  const plain = pc.createColors(false);
  const verdict = (mode: Mode, exitCode: ExitCode) => renderReport(emptyReport(mode, exitCode), plain, { quiet: false }).split("\n").at(-1);

  it.each([
    ["patch", 0, "ok: nothing to do · 0 package copies under /srv/app"],
    ["verify", 0, "verified: nothing to do · 0 package copies under /srv/app"],
    ["dry-run", 0, "dry run, nothing written: nothing to do · 0 package copies under /srv/app"],
    ["verify", 1, "not verified: nothing to do · 0 package copies under /srv/app"],
    ["patch", 3, "refused, nothing written: nothing to do · 0 package copies under /srv/app"],
    ["verify", 3, "cannot verify: nothing to do · 0 package copies under /srv/app"],
  ] as Array<[Mode, ExitCode, string]>)("%s, exit %i", (mode, exitCode, line) => {
    expect(verdict(mode, exitCode)).toBe(line);
  });
});

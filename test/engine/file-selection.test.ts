/**
 * File selection on a mini openclaw tree: a chunk in a dot-directory (`dist/extensions/x/.setup/`)
 * is patched like any other, its decoys are left alone, and each named exclusion
 * (SELECTION_EXCLUSIONS, plus the guard's own `dist/worker/**`) keeps its files byte-identical.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SELECTION_EXCLUSIONS } from "../../src/discover/files.js";
import { runCli } from "../support/cli.js";
import { snapshot, writeTree } from "../support/tree.js";

const SITE = 'import os from "node:os";\nexport const nets = () => os.networkInterfaces();\n';
const SETUP_NET = [
  'import os from "node:os";',
  "export const all = () => os.networkInterfaces();",
  "export const fromOptions = (o) => o.networkInterfaces();",
  "",
].join("\n");

function miniTree(): string {
  return writeTree({
    "package.json": JSON.stringify({ name: "openclaw", version: "2026.9.6", type: "module" }),
    "dist/entry.js": "#!/usr/bin/env node\nexport {};\n",
    "dist/index.js": "export {};\n",
    "dist/extensions/x/.setup/net.js": SETUP_NET,
    "dist/worker/worker.mjs": SITE,
    "dist/.git/hooks/x.js": SITE,
    "dist/node_modules/inner/index.js": SITE,
    ".clawmend/notes/x.js": SITE,
  });
}

interface GuardFile {
  file: string;
  sites: Array<{ line: number; what: string }>;
}

describe("file selection", () => {
  it("patches a chunk in a dot-directory and leaves its decoy and every excluded file alone", async () => {
    const root = miniTree();
    const before = await snapshot(root);
    const result = await runCli(["patch", "--json", "--root", root], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { copies: Array<{ patches: Array<{ patch: string; files: GuardFile[] }> }> };
    const guard = report.copies[0]!.patches.find((p) => p.patch === "network-interfaces-guard")!;
    expect(guard.files.map((f) => [f.file, f.sites.map((s) => s.line)])).toEqual([["dist/extensions/x/.setup/net.js", [2]]]);

    const after = readFileSync(join(root, "dist/extensions/x/.setup/net.js"), "utf8").split("\n");
    expect(after[1]).toContain("__clawmend_guardNetworkInterfaces(os.networkInterfaces, os)");
    expect(after[2]).toBe("export const fromOptions = (o) => o.networkInterfaces();");

    const changed = await snapshot(root);
    for (const file of ["dist/worker/worker.mjs", "dist/.git/hooks/x.js", "dist/node_modules/inner/index.js", ".clawmend/notes/x.js"])
      expect(changed.get(file), file).toBe(before.get(file));

    expect((await runCli(["patch", "--verify", "--root", root], { cwd: root })).code).toBe(0);
  });

  it("names a reason for every exclusion", () => {
    for (const exclusion of SELECTION_EXCLUSIONS) expect(exclusion.reason.length, exclusion.glob).toBeGreaterThan(10);
  });
});

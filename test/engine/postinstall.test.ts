import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../support/paths.js";
import { tempDir, writeTree } from "../support/tree.js";

/** Packs a fixture openclaw into a tarball a consuming project can depend on. */
function packFixture(mutate?: (dir: string) => void): string {
  const dir = join(tempDir(), "openclaw");
  cpSync(join(REPO, "fixtures/engine/openclaw-two-graphs"), dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  mutate?.(dir);
  const out = tempDir();
  execFileSync("npm", ["pack", dir, "--pack-destination", out, "--silent"], { encoding: "utf8" });
  return join(out, "openclaw-2026.2.26.tgz");
}

function consumingProject(dependencies: Record<string, string>): string {
  return writeTree({
    "package.json": JSON.stringify(
      {
        name: "gateway-host",
        version: "1.0.0",
        private: true,
        scripts: { postinstall: "clawpatch patch" },
        dependencies: { clawpatch: `file:${REPO}`, ...dependencies },
      },
      null,
      2,
    ),
  });
}

function npmInstall(project: string) {
  return spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--foreground-scripts"], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
}

describe('postinstall recipe: "postinstall": "clawpatch patch"', () => {
  it("patches the installed openclaw, and npx clawpatch verifies it", () => {
    const project = consumingProject({ openclaw: `file:${packFixture()}` });
    const install = npmInstall(project);
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/runtime-overlay\s+applied/);
    expect(readFileSync(join(project, "node_modules/openclaw/dist/entry.js"), "utf8")).toContain("/*@clawpatch runtime-overlay@2*/");
    const verify = spawnSync("npx", ["--no-install", "clawpatch", "patch", "--verify"], { cwd: project, encoding: "utf8" });
    expect(verify.status, verify.stderr).toBe(0);
  });

  it("no target package installed: exit 0 with one line", () => {
    const project = consumingProject({});
    const install = npmInstall(project);
    expect(install.status, install.stderr).toBe(0);
    const lines = spawnSync("npx", ["--no-install", "clawpatch", "patch"], { cwd: project, encoding: "utf8" });
    expect(lines.status).toBe(0);
    expect(lines.stdout.trim().split("\n")).toHaveLength(2);
    expect(lines.stdout).toMatch(/^no target package under .* \(looked for .*openclaw/);
  });

  it("target present but unpatchable: the install fails with the reason", () => {
    const tarball = packFixture((dir) => writeFileSync(join(dir, "dist/entry.js"), "#!/usr/bin/env node\nimport {\n"));
    const project = consumingProject({ openclaw: `file:${tarball}` });
    const install = npmInstall(project);
    expect(install.status).not.toBe(0);
    expect(install.stderr + install.stdout).toMatch(
      /runtime-overlay on openclaw@2026\.2\.26 \(node_modules\/openclaw\): parse-error: dist\/entry\.js: syntax error/,
    );
  });
});

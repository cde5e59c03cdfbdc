/**
 * The README's install section and its postinstall recipe, as a newcomer follows them: `npm pack`
 * in the repository, then the tarball installed globally (into a private prefix) and as a
 * project's dependency. Each install runs the bin, with a `patches.config.ts` that imports from
 * "clawmend", outside any clawmend checkout. The openclaw the projects install is a fixture
 * packed the same way.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeOpenclawFixture } from "../support/openclaw-fixture.js";
import { REPO } from "../support/paths.js";
import { run, runOkSync } from "../support/run.js";
import { tempDir, writeTree } from "../support/tree.js";
import { builtinMarker } from "../support/markers.js";

const MIN = 60_000;
const npmEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NO_COLOR: "1",
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
};
delete npmEnv.NODE_OPTIONS;
const CONFIG =
  'import { defineConfig } from "clawmend";\n\nexport default defineConfig({ vllm: { endpoints: ["http://127.0.0.1:9000"] } });\n';

/**
 * `npm pack DIR` into a new directory; the tarball's path. Without scripts: the repository's
 * `prepare` would rebuild dist/ (which the global setup built) under the other test files' feet.
 */
function pack(dir: string): string {
  const out = tempDir("clawmend-pack-");
  runOkSync("npm", ["pack", dir, "--pack-destination", out, "--silent", "--ignore-scripts"], { env: npmEnv });
  return join(
    out,
    readdirSync(out).find((f) => f.endsWith(".tgz"))!,
  );
}

/** A fixture openclaw (two chunk graphs) packed as a tarball a project can depend on. */
function packedOpenclaw(mutate?: (dir: string) => void): string {
  const dir = join(tempDir(), "openclaw");
  cpSync(join(REPO, "fixtures/engine/openclaw-two-graphs"), dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  mutate?.(dir);
  return pack(dir);
}

/** A project whose postinstall is `clawmend patch` (README: Recipes), with its config. */
function project(dependencies: Record<string, string>): string {
  return writeTree({
    "package.json": JSON.stringify({
      name: "gateway-host",
      version: "1.0.0",
      private: true,
      scripts: { postinstall: "clawmend patch" },
      devDependencies: { clawmend: `file:${tarball}` },
      dependencies,
    }),
    "patches.config.ts": CONFIG,
  });
}

const npmInstall = (cwd: string, args: string[] = []) =>
  run("npm", ["install", "--prefer-offline", "--foreground-scripts", ...args], { cwd, env: npmEnv, timeoutMs: 5 * MIN });
const npx = (cwd: string, args: string[]) => run("npx", ["--no-install", "clawmend", ...args], { cwd, env: npmEnv });

let tarball = "";

beforeAll(() => {
  tarball = pack(REPO);
}, 5 * MIN);

describe("install from a packed tarball (README: Install)", () => {
  it("the tarball holds the built CLI, no source and no repository config", () => {
    const listing = runOkSync("tar", ["-tzf", tarball]).stdout.split("\n");
    expect(listing).toContain("package/bin/clawmend.js");
    expect(listing).toContain("package/dist/cli.js");
    expect(listing.some((f) => f.startsWith("package/src/"))).toBe(false);
    expect(listing).not.toContain("package/patches.config.ts");
  });

  it(
    "npm install -g: the bin runs, and a config importing from clawmend loads",
    async () => {
      const prefix = tempDir("clawmend-global-");
      const install = await run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", tarball], {
        env: npmEnv,
        timeoutMs: 5 * MIN,
      });
      expect(install.code, install.stderr).toBe(0);
      const bin = join(prefix, "bin", "clawmend");
      const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
      expect((await run(bin, ["--version"], { env: npmEnv })).stdout.trim()).toBe(version);
      const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"));
      const configDir = writeTree({ "patches.config.ts": CONFIG });
      const patched = await run(bin, ["patch", "--root", runtime], { cwd: configDir, env: npmEnv });
      expect(patched.code, patched.stdout + patched.stderr).toBe(0);
      const verified = await run(bin, ["patch", "--verify", "--root", runtime], { cwd: configDir, env: npmEnv });
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    },
    10 * MIN,
  );
});

describe('a project with "postinstall": "clawmend patch" (README: Recipes)', () => {
  it(
    "npm install patches the openclaw it installs, with the project's config; npx clawmend verifies it",
    async () => {
      const dir = project({ openclaw: `file:${packedOpenclaw()}` });
      const install = await npmInstall(dir);
      expect(install.code, install.stderr).toBe(0);
      expect(install.stdout).toMatch(/runtime-overlay\s+applied/);
      expect(readFileSync(join(dir, "node_modules/openclaw/dist/entry.js"), "utf8")).toContain(builtinMarker("runtime-overlay"));
      const verify = await npx(dir, ["patch", "--verify"]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    },
    10 * MIN,
  );

  it(
    "no target package installed: the postinstall exits 0 with one line",
    async () => {
      const dir = project({});
      const install = await npmInstall(dir);
      expect(install.code, install.stderr).toBe(0);
      const lines = await npx(dir, ["patch"]);
      expect(lines.code).toBe(0);
      expect(lines.stdout.trim().split("\n")).toHaveLength(2);
      expect(lines.stdout).toMatch(/^no target package under .* \(looked for .*openclaw/);
    },
    10 * MIN,
  );

  it(
    "a target present but unpatchable fails the install with the reason",
    async () => {
      const broken = packedOpenclaw((dir) => writeFileSync(join(dir, "dist/entry.js"), "#!/usr/bin/env node\nimport {\n"));
      const install = await npmInstall(project({ openclaw: `file:${broken}` }));
      expect(install.code).not.toBe(0);
      expect(install.stderr + install.stdout).toMatch(
        /runtime-overlay on openclaw@2026\.2\.26 \(node_modules\/openclaw\): parse-error: dist\/entry\.js: syntax error/,
      );
    },
    10 * MIN,
  );
});

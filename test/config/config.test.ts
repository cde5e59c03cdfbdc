/**
 * The config: the built-in default, what a file may say, and how a mistake is reported (exit 2,
 * one line naming the file and the key path; a syntax error with file:line:col and a code frame).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { clientHost, defaultSettings } from "../../src/config/settings.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { runCli } from "../support/cli.js";
import { FIXTURES, REPO } from "../support/paths.js";
import { snapshot, tempDir } from "../support/tree.js";

const load = (cwd: string, file?: string) =>
  loadConfig({ cwd, ...(file ? { file } : {}), builtins: builtinPatches, api: () => import("../../src/index.js") });

describe("defaults without a config file", () => {
  it("are exactly what the schema makes of an empty config", () => {
    expect(defaultSettings()).toEqual(resolveConfig("x.ts", {}, builtinPatches).settings);
  });

  it("a run with no config file gets the same settings and patches as an empty config file", async () => {
    const bare = mkdtempSync(join(tmpdir(), "cfg-none-"));
    const withFile = mkdtempSync(join(tmpdir(), "cfg-empty-"));
    writeFileSync(join(withFile, "patches.config.mjs"), "export default {};\n");
    const none = await load(bare);
    const empty = await load(withFile);
    expect(none.file).toBeNull();
    expect(none.digest).toBeNull();
    expect(empty.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(none.settings).toEqual(empty.settings);
    expect(none.patches.map((p) => [p.id, p.version, p.options])).toEqual(empty.patches.map((p) => [p.id, p.version, p.options]));
  });

  it("a config file outside any project still imports clawmend (a global install)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-global-"));
    writeFileSync(
      join(dir, "patches.config.ts"),
      'import { defineConfig } from "clawmend";\nexport default defineConfig({ vllm: { endpoints: ["http://10.0.0.7:8001"] } });\n',
    );
    const config = await load(dir);
    expect(config.settings.vllm.endpoints).toEqual(["http://10.0.0.7:8001"]);
  });
});

describe("a mistake in the config: exit 2, one line, nothing written", () => {
  const tree = join(FIXTURES, "engine", "openclaw-two-graphs");

  async function expectRefused(source: string, name: string, message: RegExp, frame = false) {
    const dir = tempDir();
    const file = join(dir, name);
    writeFileSync(file, source);
    const before = await snapshot(tree);
    const r = await runCli(["patch", "--root", tree, "--config", file], { cwd: dir });
    expect(r.code).toBe(2);
    const [first, ...rest] = r.stderr.trimEnd().split("\n");
    expect(first).toMatch(message);
    if (frame) expect(rest.join("\n")).toMatch(/^> \d+ \| .*\n +\| +\^$/m);
    else expect(rest).toEqual([]);
    expect(r.stdout).toBe("");
    expect(await snapshot(tree)).toEqual(before);
  }

  it("an endpoint that is not http(s) names the key path", async () => {
    await expectRefused(
      'export default { vllm: { endpoints: ["ftp://x:1"] } };\n',
      "c.config.mjs",
      /c\.config\.mjs: vllm\.endpoints\.0: an http\(s\) URL, e\.g\. http:\/\/127\.0\.0\.1:8001$/,
    );
  });

  it("an unknown key names the key path", async () => {
    await expectRefused(
      "export default { vllm: { toolCalling: { enabled: false, parsr: 'hermes' } } };\n",
      "c.config.mjs",
      /vllm\.toolCalling\.parsr: unknown key$/,
    );
  });

  it("a syntax error gives file:line:col and a code frame", async () => {
    await expectRefused("export default {\n  vllm: { endpoints: [\n};\n", "c.config.ts", /c\.config\.ts:3:1: Unexpected token/, true);
  });

  it("a patches() function that throws", async () => {
    await expectRefused(
      "export default { patches: () => { throw new Error('no'); } };\n",
      "c.config.mjs",
      /c\.config\.mjs: patches\(\) threw: no$/,
    );
  });

  it("a default export that is not an object", async () => {
    await expectRefused("export default 42;\n", "c.config.mjs", /the default export must be an object/);
  });

  it("a config that throws when it loads", async () => {
    await expectRefused("throw new Error('boom at load');\n", "c.config.mjs", /c\.config\.mjs: cannot load config: boom at load$/);
  });

  it("a missing --config file", async () => {
    const r = await runCli(["patch", "--root", REPO, "--config", "nope.config.ts"], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^clawmend: config file not found: .*nope\.config\.ts \(check --config\)\n$/);
  });
});

describe("the launcher's address as clients use it (the gate's origin, INSTALL.md's baseUrl)", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["0.0.0.0", "127.0.0.1"],
    ["::", "127.0.0.1"],
    ["[::]", "127.0.0.1"],
    ["::1", "[::1]"],
    ["[::1]", "[::1]"],
    ["fd00::7", "[fd00::7]"],
    ["gpu-box.lan", "gpu-box.lan"],
  ])("%s → %s", (host, client) => {
    expect(clientHost(host)).toBe(client);
  });
});

/**
 * An unchanged data-only config is neither evaluated nor validated again (config/cache.ts,
 * config/data-only.ts): the second load takes its validated settings from the cache and gives the
 * same Config. Code that could read anything else is never kept; a changed file, another
 * version of its bytes, an entry of another format, a planted or loosely owned cache file are misses.
 */
import { chmodSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_CACHE_ENTRIES, configCacheDir, readCachedConfig, writeCachedConfig } from "../../src/config/cache.js";
import { isDataOnlyConfig } from "../../src/config/data-only.js";
import { loadConfig } from "../../src/config/load.js";
import { sha256 } from "../../src/core/hash.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { tempDir } from "../support/tree.js";

const RECIPE = `import { defineConfig } from "clawmend";\n\nexport default defineConfig({ vllm: { endpoints: ["http://127.0.0.1:9000"] } });\n`;

function setup(text: string) {
  const cwd = tempDir();
  const cacheDir = join(tempDir(), "config");
  const file = join(cwd, "patches.config.ts");
  writeFileSync(file, text);
  let evaluated = 0;
  const load = () =>
    loadConfig({
      cwd,
      builtins: builtinPatches,
      cacheDir,
      api: () => {
        evaluated += 1; // the library is handed over only when the file is evaluated
        return import("../../src/index.js");
      },
    });
  return { cwd, cacheDir, file, load, evaluations: () => evaluated };
}

describe("config cache", () => {
  it("evaluates an unchanged data-only config once and gives the same Config", async () => {
    const t = setup(RECIPE);
    const first = await t.load();
    const second = await t.load();
    expect(t.evaluations()).toBe(1);
    expect(second.settings).toEqual(first.settings);
    expect(second.digest).toBe(first.digest);
    expect(second.patches.map((p) => p.id)).toEqual(first.patches.map((p) => p.id));
    expect(second.settings.vllm.endpoints).toEqual(["http://127.0.0.1:9000"]);
  });

  it("evaluates a changed file again", async () => {
    const t = setup(RECIPE);
    await t.load();
    writeFileSync(t.file, RECIPE.replace("9000", "9001"));
    const changed = await t.load();
    expect(t.evaluations()).toBe(2);
    expect(changed.settings.vllm.endpoints).toEqual(["http://127.0.0.1:9001"]);
  });

  it("never keeps a config that runs code", async () => {
    const t = setup(
      `import { defineConfig } from "clawmend";\nexport default defineConfig({ vllm: { endpoints: [process.env.CLAWMEND_TEST_ENDPOINT ?? "http://127.0.0.1:9000"] } });\n`,
    );
    await t.load();
    await t.load();
    expect(t.evaluations()).toBe(2);
  });

  it("keeps the validated settings, defaults filled in: a cached load equals an uncached one", async () => {
    const t = setup(RECIPE);
    await t.load();
    const [name] = readdirSync(t.cacheDir);
    const stored = JSON.parse(readFileSync(join(t.cacheDir, name!), "utf8"));
    expect(stored.value.vllm.launcher.port).toBe(8001); // a default the file does not write
    const uncached = await loadConfig({ cwd: t.cwd, builtins: builtinPatches, cacheDir: null, api: () => import("../../src/index.js") });
    const cached = await t.load();
    expect(t.evaluations()).toBe(1);
    expect(cached.settings).toEqual(uncached.settings);
    expect(cached.patches).toEqual(uncached.patches.map((p) => expect.objectContaining({ id: p.id, version: p.version })));
  });

  it("an entry of another format, or without settings, is a miss", async () => {
    const t = setup(RECIPE);
    await t.load();
    const [name] = readdirSync(t.cacheDir);
    const path = join(t.cacheDir, name!);
    const stored = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...stored, format: 1 }), { mode: 0o600 });
    await t.load();
    expect(t.evaluations()).toBe(2);
    writeFileSync(path, JSON.stringify({ ...stored, value: { vllm: null } }), { mode: 0o600 });
    await t.load();
    expect(t.evaluations()).toBe(3);
  });

  it("never keeps a config that lists its patches", async () => {
    const t = setup(`import { defineConfig } from "clawmend";\nexport default defineConfig({ patches: [] });\n`);
    expect((await t.load()).patches).toEqual([]);
    expect((await t.load()).patches).toEqual([]);
    expect(t.evaluations()).toBe(2);
  });

  it("ignores a cache file that is a link or writable by others", async () => {
    const t = setup(RECIPE);
    await t.load();
    const [name] = readdirSync(t.cacheDir);
    const path = join(t.cacheDir, name!);
    const digest = sha256(readFileSync(t.file));
    expect(readCachedConfig(t.cacheDir, t.file, digest)).toBeDefined();
    chmodSync(path, 0o666);
    expect(readCachedConfig(t.cacheDir, t.file, digest)).toBeUndefined();
    chmodSync(path, 0o600);
    const moved = `${path}.real`;
    writeFileSync(moved, readFileSync(path), { mode: 0o600 });
    rmSync(path);
    symlinkSync(moved, path);
    expect(readCachedConfig(t.cacheDir, t.file, digest)).toBeUndefined();
    expect(readCachedConfig(t.cacheDir, `${t.file}x`, digest)).toBeUndefined();
  });

  it(`keeps at most ${CONFIG_CACHE_ENTRIES} entries: a new one removes the least recently written, nothing else`, () => {
    const dir = tempDir();
    writeFileSync(join(dir, "not-an-entry.txt"), "kept");
    for (let i = 0; i < CONFIG_CACHE_ENTRIES + 5; i += 1) {
      writeCachedConfig(dir, `/configs/${i}.ts`, sha256(String(i)), { n: i });
      const entry = readdirSync(dir).find((name) => readFileSync(join(dir, name), "utf8").includes(`"/configs/${i}.ts"`))!;
      utimesSync(join(dir, entry), 1_000_000 + i, 1_000_000 + i); // written in this order, one second apart
    }
    const entries = readdirSync(dir).filter((name) => name.endsWith(".json"));
    expect(entries).toHaveLength(CONFIG_CACHE_ENTRIES);
    expect(readdirSync(dir)).toContain("not-an-entry.txt");
    for (let i = 0; i < CONFIG_CACHE_ENTRIES + 5; i += 1) {
      const kept = readCachedConfig(dir, `/configs/${i}.ts`, sha256(String(i)));
      // each write beyond the limit removed the then oldest: the first five are gone
      expect(kept === undefined, `entry ${i}`).toBe(i < 5);
    }
  });

  it("lives under XDG_CACHE_HOME or ~/.cache, and can be turned off", () => {
    expect(configCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/clawmend/config");
    expect(configCacheDir({ HOME: "/h" })).toBe("/h/.cache/clawmend/config");
    expect(configCacheDir({ HOME: "/h", CLAWMEND_NO_CONFIG_CACHE: "1" })).toBeNull();
    expect(configCacheDir({})).toBeNull();
  });
});

describe("isDataOnlyConfig", () => {
  it.each([
    RECIPE,
    `export default { vllm: { toolCalling: { enabled: true }, launcher: { port: 8002, gpuMemoryUtilization: 0.8, extraArgs: [\`--x\`] } } };`,
    `import { defineConfig as d } from "clawmend";\nexport default d({ "vllm": { providers: ["vllm", 'x'], launcher: { maxModelLen: -1 } } });`,
  ])("keeps %j", (text) => expect(isDataOnlyConfig(text)).toBe(true));

  it.each([
    `import { defineConfig } from "clawmend";\nexport default defineConfig({ vllm: { endpoints: [process.env.X] } });`,
    `import { defineConfig } from "clawmend";\nexport default defineConfig({ patches: (b) => b });`,
    `import { defineConfig } from "clawmend";\nconst e = "http://x:1";\nexport default defineConfig({ vllm: { endpoints: [e] } });`,
    `import { defineConfig } from "./other.js";\nexport default defineConfig({});`,
    `import * as c from "clawmend";\nexport default c.defineConfig({});`,
    `import { readFileSync } from "node:fs";\nexport default {};`,
    `import { defineConfig } from "clawmend";\nexport default defineConfig({ ...{} });`,
    `export default { ["vllm"]: {} };`,
    `export default { __proto__: { vllm: {} } };`,
    `export default { vllm: { endpoints: [\`\${1}\`] } };`,
    `export default { vllm: { launcher: { port: 1 + 1 } } };`,
    `import { defineConfig } from "clawmend";\nexport default defineConfig({ vllm: {} } satisfies object);`,
    `const x = 1; export default {};`,
    `export default {}; export default {};`,
    `export default someFunction();`,
  ])("runs %j every time", (text) => expect(isDataOnlyConfig(text)).toBe(false));
});

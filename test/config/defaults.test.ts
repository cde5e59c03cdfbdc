import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_VLLM_SETTINGS } from "../../src/config/defaults.js";
import { loadConfig } from "../../src/config/load.js";
import { resolveVllmSettings } from "../../src/config/settings.js";

describe("defaults without a config file", () => {
  it("are exactly what the schema makes of an empty vllm section", () => {
    expect(DEFAULT_VLLM_SETTINGS).toEqual(resolveVllmSettings({}));
  });

  it("a run with no config file gets the same settings and patches as an empty config file", async () => {
    const bare = mkdtempSync(join(tmpdir(), "cfg-none-"));
    const withFile = mkdtempSync(join(tmpdir(), "cfg-empty-"));
    writeFileSync(join(withFile, "patches.config.mjs"), "export default {};\n");
    const none = await loadConfig({ cwd: bare });
    const empty = await loadConfig({ cwd: withFile });
    expect(none.file).toBeNull();
    expect(none.vllm).toEqual(empty.vllm);
    expect(none.patches.map((p) => [p.id, p.version])).toEqual(empty.patches.map((p) => [p.id, p.version]));
    none.vllm.providers.push("changed");
    expect(DEFAULT_VLLM_SETTINGS.providers).toEqual(["vllm"]);
  });
});

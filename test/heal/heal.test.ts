/**
 * `clawmend heal` on miniature openclaw installs (test/support/openclaw-fixture.ts), through the
 * library with a counting config loader: what each start does, and what it reads.
 *
 * Starting state of every case: a fresh fixture install that nothing has patched.
 */
import { cpSync, existsSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/config/settings.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { definePatch, wrapReturnValues } from "../../src/index.js";
import { ClawmendError } from "../../src/core/errors.js";
import { heal, type HealOptions } from "../../src/heal/heal.js";
import { inPlaceStamp, mirrorStamp, type StampPlace } from "../../src/heal/stamp.js";
import type { RunConfig } from "../../src/engine/run.js";
import { runPatches } from "../../src/engine/run.js";
import { makeOpenclawFixture } from "../support/openclaw-fixture.js";
import { snapshot, tempDir } from "../support/tree.js";

const builtin: RunConfig = { file: null, digest: null, patches: builtinPatches(defaultSettings()) };

/** Required on openclaw 2026.9.x only, and looking for a function no fixture has: a new version it cannot patch. */
const breaksOnNewVersions: RunConfig = {
  file: "/virtual/breaking.config.ts",
  digest: "breaking",
  patches: [
    ...builtin.patches,
    definePatch({
      id: "needs-missing-site",
      version: 1,
      description: "test: required on 2026.9.x, where its site does not exist",
      targets: [{ package: "openclaw", range: ">=2026.9.0", files: ["dist/**/*.js"] }],
      transform: wrapReturnValues({
        functionNames: ["functionNoFixtureHas"],
        helperName: "__clawmend_testIdentity",
        helperSource: (_options: unknown, marker: string) => `${marker}\nfunction __clawmend_testIdentity(value) {\n  return value;\n}\n`,
      }),
    }),
  ],
};

const stampFile = (place: StampPlace) => join(place.root, place.rel);

function options(runtime: string, config: RunConfig, extra: Partial<HealOptions> = {}) {
  const loads = { count: 0 };
  const o: HealOptions = {
    runtime,
    configKey: config.digest ?? "builtin",
    loadConfig: async () => {
      loads.count += 1;
      return config;
    },
    ...extra,
  };
  return { o, loads };
}

/** Lays `version` over `dir` the way npm does: the old package directory goes, a fresh one comes. */
function layVersion(dir: string, version: string): void {
  rmSync(dir, { recursive: true, force: true });
  makeOpenclawFixture(dir, version);
}

async function verifies(root: string, config: RunConfig = builtin): Promise<boolean> {
  return (await runPatches({ root, config, mode: "verify" })).exitCode === 0;
}

describe("heal in place", () => {
  it("first start patches and verifies; the next start reads nothing and loads no config", async () => {
    const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"));
    expect(await verifies(runtime), "pristine: not patched").toBe(false);
    const first = options(runtime, builtin);
    const healed = await heal(first.o);
    expect(healed).toMatchObject({ mode: "in-place", outcome: "patched", exitCode: 0, runs: runtime });
    expect(healed.message).toMatch(/^openclaw 2026\.2\.26 at .*: patched \(\d+ applied\) and verified in /);
    expect(first.loads.count).toBe(1);
    expect(await verifies(runtime)).toBe(true);

    const before = await snapshot(runtime, { times: true });
    const again = options(runtime, builtin);
    const second = await heal(again.o);
    expect(second).toMatchObject({ outcome: "unchanged", exitCode: 0 });
    expect(again.loads.count, "an unchanged runtime costs no config load").toBe(0);
    expect(await snapshot(runtime, { times: true })).toEqual(before);
  });

  it("an update laid over the patched tree: the next start patches the new version, naming both", async () => {
    const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"), "2026.2.25");
    await heal(options(runtime, builtin).o);
    layVersion(runtime, "2026.2.26");
    expect(existsSync(stampFile(inPlaceStamp(runtime))), "the update took clawmend's state with it").toBe(false);
    expect(await verifies(runtime)).toBe(false);
    const healed = await heal(options(runtime, builtin).o);
    expect(healed).toMatchObject({ outcome: "patched", exitCode: 0, versions: { source: "2026.2.26", running: "2026.2.26" } });
    expect(await verifies(runtime)).toBe(true);
  });

  it("a patched file put back to its original bytes (one file reinstalled): the stamp notices, the heal re-patches", async () => {
    const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"));
    const pristineEntry = readFileSync(join(runtime, "dist/entry.js"));
    await heal(options(runtime, builtin).o);
    writeFileSync(join(runtime, "dist/entry.js"), pristineEntry);
    expect(await verifies(runtime)).toBe(false);
    const again = options(runtime, builtin);
    expect((await heal(again.o)).outcome).toBe("patched");
    expect(again.loads.count).toBe(1);
    expect(await verifies(runtime)).toBe(true);
  });

  it("another config (its digest) means another look", async () => {
    const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"));
    await heal(options(runtime, builtin).o);
    const other = options(runtime, { ...builtin, file: "/virtual/other.config.ts", digest: "other" });
    expect((await heal(other.o)).outcome).toBe("patched");
    expect(other.loads.count).toBe(1);
  });

  it("a new version that cannot be patched: one line, exit 3, nothing written", async () => {
    const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"), "2026.8.1");
    expect((await heal(options(runtime, breaksOnNewVersions).o)).exitCode).toBe(0);
    layVersion(runtime, "2026.9.6");
    const before = await snapshot(runtime);
    const refused = await heal(options(runtime, breaksOnNewVersions).o);
    expect(refused).toMatchObject({ outcome: "refused", exitCode: 3, runs: null, versions: { source: "2026.9.6", running: null } });
    expect(refused.message).not.toContain("\n");
    expect(refused.message).toMatch(
      /^openclaw 2026\.9\.6 at \S+ cannot be patched: a required patch cannot be applied.*needs-missing-site/,
    );
    expect(refused.message).toContain("the gateway is not started");
    expect(await snapshot(runtime)).toEqual(before);
  });

  it("a stamp that names paths outside the runtime is not trusted: a full heal instead", async () => {
    const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"));
    await heal(options(runtime, builtin).o);
    const stamp = JSON.parse(readFileSync(stampFile(inPlaceStamp(runtime)), "utf8"));
    stamp.source.push(["../../etc/passwd", "missing"]);
    writeFileSync(stampFile(inPlaceStamp(runtime)), JSON.stringify(stamp));
    const again = options(runtime, builtin);
    expect((await heal(again.o)).outcome).toBe("patched");
    expect(again.loads.count).toBe(1);
  });
});

describe("heal as a mirror (a runtime the unit's user cannot write)", () => {
  const setup = (version = "2026.2.26") => {
    const root = tempDir();
    const source = makeOpenclawFixture(join(root, "global", "openclaw"), version);
    return { root, source, mirror: join(root, "state", "clawmend", "openclaw") };
  };

  it("first start builds a patched mirror and never writes the source; the next start reads nothing", async () => {
    const { source, mirror } = setup();
    const sourceBefore = await snapshot(source, { times: true });
    const first = await heal(options(source, builtin, { mirror }).o);
    expect(first).toMatchObject({ mode: "mirror", outcome: "rebuilt", exitCode: 0, runs: mirror });
    expect(readlinkSync(mirror)).toMatch(/^openclaw\.clawmend-[0-9a-f]+$/);
    expect(await verifies(mirror)).toBe(true);
    expect(await snapshot(source, { times: true })).toEqual(sourceBefore);

    const again = options(source, builtin, { mirror });
    expect((await heal(again.o)).outcome).toBe("unchanged");
    expect(again.loads.count).toBe(0);
  });

  it("the source's stat moved but not its bytes (a touched directory): the heal checks the mirror and copies nothing", async () => {
    const { source, mirror } = setup();
    await heal(options(source, builtin, { mirror }).o);
    const built = readlinkSync(mirror);
    // a full rebuild writes this record again; one that copies nothing leaves it (src/rebuild/record.ts)
    const record = statSync(`${mirror}.clawmend-rebuild.json`).ino;
    utimesSync(join(source, "dist"), new Date(), new Date(Date.now() + 5_000));
    const again = options(source, builtin, { mirror });
    const healed = await heal(again.o);
    expect(again.loads.count).toBe(1);
    expect(healed).toMatchObject({ outcome: "unchanged", exitCode: 0, runs: mirror });
    expect(healed.message).toMatch(/^openclaw 2026\.2\.26: mirror of \S+ checked, patched and verified in /);
    expect(readlinkSync(mirror)).toBe(built);
    expect(statSync(`${mirror}.clawmend-rebuild.json`).ino).toBe(record);
    // and the stamp was renewed: the start after reads nothing
    const third = options(source, builtin, { mirror });
    expect((await heal(third.o)).outcome).toBe("unchanged");
    expect(third.loads.count).toBe(0);
  });

  it("the source updated: the next start rebuilds, swaps, and keeps the previous mirror for running processes", async () => {
    const { source, mirror } = setup("2026.2.25");
    await heal(options(source, builtin, { mirror }).o);
    const previous = readlinkSync(mirror);
    layVersion(source, "2026.2.26");
    const healed = await heal(options(source, builtin, { mirror }).o);
    expect(healed).toMatchObject({ outcome: "rebuilt", versions: { source: "2026.2.26", running: "2026.2.26" } });
    expect(healed.message).toMatch(/^openclaw 2026\.2\.25 → 2026\.2\.26: mirror of /);
    expect(readlinkSync(mirror)).not.toBe(previous);
    expect(existsSync(join(mirror, "..", previous)), "the previous mirror is kept").toBe(true);
    expect(await verifies(mirror)).toBe(true);
  });

  it("a new version that cannot be patched: the last good mirror keeps running, one line names both versions, no retry until something changes", async () => {
    const { source, mirror } = setup("2026.8.1");
    await heal(options(source, breaksOnNewVersions, { mirror }).o);
    const good = readlinkSync(mirror);
    layVersion(source, "2026.9.6");
    const kept = await heal(options(source, breaksOnNewVersions, { mirror }).o);
    expect(kept).toMatchObject({
      outcome: "kept-last-good",
      exitCode: 0,
      runs: mirror,
      versions: { source: "2026.9.6", running: "2026.8.1" },
    });
    expect(kept.message).not.toContain("\n");
    expect(kept.message).toMatch(
      /^openclaw 2026\.9\.6 at \S+ cannot be patched: .*needs-missing-site.*; still running the last good patched mirror, openclaw 2026\.8\.1 \(/,
    );
    expect(readlinkSync(mirror)).toBe(good);

    const again = options(source, breaksOnNewVersions, { mirror });
    const second = await heal(again.o);
    expect(second.outcome).toBe("kept-last-good");
    expect(again.loads.count, "the same failing source is not rebuilt at every start").toBe(0);
  });

  it("nothing good to run (the first version already cannot be patched): exit 3, no mirror", async () => {
    const { source, mirror } = setup("2026.9.6");
    const refused = await heal(options(source, breaksOnNewVersions, { mirror }).o);
    expect(refused).toMatchObject({ outcome: "refused", exitCode: 3, runs: null });
    expect(refused.message).toContain("no good patched mirror to run, the gateway is not started");
    expect(existsSync(mirror)).toBe(false);
    expect(existsSync(stampFile(mirrorStamp(mirror)))).toBe(false);
  });

  it("a mirror edited by hand: the stamp notices, the heal proves it again", async () => {
    const { source, mirror } = setup();
    await heal(options(source, builtin, { mirror }).o);
    const entry = join(mirror, "dist/entry.js");
    const bytes = readFileSync(entry);
    rmSync(entry);
    cpSync(join(source, "dist/entry.js"), entry);
    expect(await verifies(mirror)).toBe(false);
    const again = options(source, builtin, { mirror });
    const healed = await heal(again.o);
    expect(healed.exitCode).toBe(0);
    expect(again.loads.count).toBe(1);
    expect(await verifies(mirror)).toBe(true);
    expect(readFileSync(entry)).toEqual(bytes);
  });
});

describe("heal when the runtime is gone (uninstalled, a wrong path)", () => {
  it("in place: one line that says what to do, exit 3", async () => {
    const runtime = join(tempDir(), "nothing-here");
    const refused = await heal(options(runtime, builtin).o);
    expect(refused).toMatchObject({ outcome: "refused", exitCode: 3 });
    expect(refused.message).toMatch(/^openclaw \? at \S+ cannot be patched: root not found: .*Fix: reinstall openclaw there/);
  });

  it("mirror: the last good mirror keeps running; with none, one line and exit 3", async () => {
    const root = tempDir();
    const source = makeOpenclawFixture(join(root, "global", "openclaw"));
    const mirror = join(root, "state", "openclaw");
    await heal(options(source, builtin, { mirror }).o);
    rmSync(source, { recursive: true, force: true });
    const kept = await heal(options(source, builtin, { mirror }).o);
    expect(kept).toMatchObject({ outcome: "kept-last-good", exitCode: 0, runs: mirror });
    const none = await heal(options(join(root, "other"), builtin, { mirror: join(root, "state", "fresh") }).o);
    expect(none).toMatchObject({ outcome: "refused", exitCode: 3 });
    expect(none.message).not.toContain("\n");
  });
});

describe("heal with a config that does not load", () => {
  it("one line that names the config as the thing to fix, exit 3, nothing written", async () => {
    const runtime = makeOpenclawFixture(join(tempDir(), "openclaw"));
    const before = await snapshot(runtime);
    const { o } = options(runtime, builtin);
    const refused = await heal({
      ...o,
      configKey: "/virtual/broken.config.ts#x",
      loadConfig: async () => {
        throw ClawmendError.usage("/virtual/broken.config.ts: cannot load config: Unexpected token");
      },
    });
    expect(refused).toMatchObject({ outcome: "refused", exitCode: 3 });
    expect(refused.message).toMatch(
      /cannot be patched: \/virtual\/broken\.config\.ts: cannot load config: .*Fix: the config the unit names/,
    );
    expect(await snapshot(runtime)).toEqual(before);
  });
});

describe("heal as a mirror with a config that does not load", () => {
  it("one line naming the config, exit 3; the mirror is left as it was", async () => {
    const root = tempDir();
    const source = makeOpenclawFixture(join(root, "global", "openclaw"));
    const mirror = join(root, "state", "openclaw");
    await heal(options(source, builtin, { mirror }).o);
    const before = readlinkSync(mirror);
    const { o } = options(source, builtin, { mirror });
    const refused = await heal({
      ...o,
      configKey: "/virtual/broken.config.ts#x",
      loadConfig: async () => {
        throw ClawmendError.usage("/virtual/broken.config.ts: cannot load config: Unexpected token");
      },
    });
    expect(refused).toMatchObject({ outcome: "refused", exitCode: 3, runs: null });
    expect(refused.message).toBe(
      "the config does not load: /virtual/broken.config.ts: cannot load config: Unexpected token; the gateway is not started. Fix: the config the unit names",
    );
    expect(readlinkSync(mirror)).toBe(before);
  });
});

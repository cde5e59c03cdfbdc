/**
 * Heal at start on the real packages: the gateway unit exactly as `clawmend launcher` writes it
 * (its `ExecCondition=` heal, then its `ExecStart=`, run the way systemd runs them), `openclaw
 * agent` through the gateway via the `openclaw` wrapper the launcher writes, a vLLM-like server
 * without tool calling, and NOTHING typed between an update and the next start.
 *
 * Starting state: a fresh copy of a cached install made with `--ignore-scripts` that no OpenClaw
 * command and no clawmend command has touched (2026.9.x: its lifecycle is still pending, marked by
 * `.openclaw-lifecycle-pending`, and the first start runs it). An update (or a reinstall of the
 * same version) is laid the way npm lays one: the package directory goes and a fresh one comes at
 * the same path. The failure is shown first, through the gateway of a pristine copy with its own
 * home, so nothing it runs repairs the copies under test.
 */
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../../support/cli.js";
import {
  agentThroughGateway,
  agentThroughWrapper,
  EMBEDDED_FALLBACK,
  makeGatewayHome,
  serviceEnv,
  startGateway,
  type GatewayHome,
  type UnitUser,
} from "../../support/gateway.js";
import type { NodeMajor } from "../../support/node-runtime.js";
import { allOutput, openclawCopy } from "../../support/openclaw-agent.js";
import { openclawInstall } from "../../support/openclaw-install.js";
import { copyTreeTo, removeCopy } from "../../support/real-packages.js";
import { run, runOkSync, runSync, type RunResult } from "../../support/run.js";
import { tempDir } from "../../support/tree.js";
import { runStartSteps, startUnit } from "../../support/systemd-unit.js";
import { expectReplyWithoutTools } from "../../support/vllm-assertions.js";
import { startVllmLikeServer, VLLM_AUTO_TOOL_CHOICE_ERROR, type VllmLikeServer } from "../../support/vllm-server.js";

const MIN = 60_000;
const DROP_IN = "openclaw-gateway.service.d/override.conf";
const LIFECYCLE_PENDING = ".openclaw-lifecycle-pending";

export interface HealCase {
  from: string;
  /** The version laid over the patched tree: a later release (an update), or `from` itself (a reinstall). */
  to: string;
  major: NodeMajor;
  /** Whether the versions' config schema knows `models.catalogRefresh` (see `makeGatewayHome`). */
  catalogRefreshKey: boolean;
  /** Whether the published tarballs ship OpenClaw's pending postinstall (run by the first start). */
  pendingLifecycle: boolean;
  /** How vLLM's 400 reaches the operator through the pristine gateway of `from`. */
  expectRejectedTurn(turn: RunResult, gatewayOutput: string): void;
  /**
   * Whether the in-place restart runs a turn too. Without one, the restart runs the unit's start
   * steps and checks the heal found the tree unchanged (patched and verified) and `ExecStart=`
   * is the same: the turn after a restart is then another case's.
   */
  restartTurn: boolean;
}

/** A clawmend config: the server's endpoint, and optionally a required patch no `range` version can take. */
function configText(endpoint: string, breaksFrom?: string): string {
  const base = `vllm: { endpoints: ${JSON.stringify([endpoint])} }`;
  if (!breaksFrom) return `export default { ${base} };\n`;
  return [
    `import { definePatch, wrapReturnValues } from "clawmend";`,
    `export default {`,
    `  ${base},`,
    `  patches: (builtins) => [`,
    `    ...builtins,`,
    `    definePatch({`,
    `      id: "needs-missing-site",`,
    `      version: 1,`,
    `      description: "test: a required site that openclaw ${breaksFrom} and later do not have",`,
    `      targets: [{ package: "openclaw", range: ">=${breaksFrom}", files: ["dist/**/*.js"] }],`,
    `      transform: wrapReturnValues({`,
    `        functionNames: ["functionNoOpenclawHas"],`,
    `        helperName: "__clawmend_testIdentity",`,
    `        helperSource: (_options, marker) => marker + "\\nfunction __clawmend_testIdentity(v) {\\n  return v;\\n}\\n",`,
    `      }),`,
    `    }),`,
    `  ],`,
    `};`,
    ``,
  ].join("\n");
}

/** Lays `version`'s install over `dir`, as `npm i -g openclaw@version` does. */
async function layVersion(dir: string, version: string, major: NodeMajor): Promise<void> {
  const { install } = await openclawInstall(version, major);
  await rm(dir, { recursive: true, force: true });
  await copyTreeTo(install, dir);
}

/** A real unprivileged user for the unit (CI runs as root); created once per machine. */
function unitUser(): UnitUser {
  const name = "clawmend-unit";
  if (runSync("id", ["-u", name]).code !== 0) runOkSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]);
  const id = (flag: string) => Number(runOkSync("id", [flag, name]).stdout.trim());
  return { name, uid: id("-u"), gid: id("-g") };
}

/**
 * clawmend's bin and the unit's Node as paths the unit's user can reach. CI's clone may sit
 * under a directory only root can traverse (the repo, its `.cache/`): then both are staged in a
 * world-readable temp dir, as an operator's global install would be.
 */
async function reachableBy(as: UnitUser, node: string): Promise<{ bin: string; node: string }> {
  const can = async (test: string, file: string) => (await run("test", [test, file], { as })).code === 0;
  if ((await can("-r", BIN)) && (await can("-x", node))) return { bin: BIN, node };
  const stage = tempDir("clawmend-for-unit-");
  chmodSync(stage, 0o755);
  const repo = path.dirname(path.dirname(BIN));
  for (const entry of ["bin", "dist", "package.json", "node_modules"])
    cpSync(path.join(repo, entry), path.join(stage, entry), { recursive: true, dereference: true });
  cpSync(node, path.join(stage, "node"));
  return { bin: path.join(stage, "bin", path.basename(BIN)), node: path.join(stage, "node") };
}

interface Rig {
  server: VllmLikeServer;
  node: string;
  runtime: string;
  home: GatewayHome;
  gen: string;
  config: string;
  as?: UnitUser;
}

async function makeRig(c: HealCase, breaking: boolean, as?: UnitUser): Promise<Rig> {
  const server = await startVllmLikeServer({ toolCalling: false, identifySenders: true });
  const copied = await openclawCopy(c.from, c.major);
  const runtime = copied.copy;
  const { bin, node } = as ? await reachableBy(as, copied.node) : { bin: BIN, node: copied.node };
  const home = await makeGatewayHome({ baseUrl: server.baseUrl, catalogRefreshKey: c.catalogRefreshKey });
  const config = path.join(home.home, "patches.config.ts");
  writeFileSync(config, configText(server.url, breaking ? c.to : undefined));
  // OpenClaw's own unit (a stand-in with the gateway's arguments), which the drop-in extends.
  const units = path.join(home.home, ".config", "systemd", "user");
  mkdirSync(units, { recursive: true });
  writeFileSync(
    path.join(units, "openclaw-gateway.service"),
    `[Service]\nExecStart=${node} ${path.join(runtime, "dist", "index.js")} gateway --port ${home.port}\n`,
  );
  if (as) runOkSync("chown", ["-R", `${as.uid}:${as.gid}`, home.home]);
  const gen = path.join(home.home, "clawmend-launcher");
  const env = { HOME: home.home, XDG_STATE_HOME: path.join(home.home, ".local", "state"), PATH: process.env.PATH };
  const launcher = await run(
    node,
    [
      bin,
      "launcher",
      "--out",
      gen,
      "--model",
      "fake-model",
      "--runtime",
      runtime,
      "--node",
      node,
      "--unit-dir",
      units,
      "--config",
      config,
      "--json",
    ],
    { cwd: home.home, env, ...(as ? { as } : {}) },
  );
  expect(launcher.code, allOutput(launcher)).toBe(0);
  const heal = JSON.parse(launcher.stdout).gateway.heal;
  expect(heal, "auto: in place when the unit's user can write the runtime, else a mirror").toBe(as ? "mirror" : "in-place");
  return { server, node, runtime, home, gen, config, ...(as ? { as } : {}) };
}

/** One start of the unit, one `openclaw agent` turn through the gateway via the wrapper, one stop. */
async function serviceTurn(rig: Rig) {
  rig.server.requests.length = 0;
  const start = await startUnit(path.join(rig.gen, DROP_IN), rig.node, rig.home, rig.as);
  const heal = start.steps[0]!;
  expect(start.skipped, heal.stderr).toBe(false);
  const gateway = start.gateway!;
  try {
    const turn = await agentThroughWrapper(path.join(rig.gen, "openclaw"), rig.node, rig.home, rig.as);
    expect(turn.code, allOutput(turn)).toBe(0);
    const chats = expectReplyWithoutTools(rig.server, turn.stdout);
    for (const chat of chats) expect(chat.senderPid, "the request came from the gateway process").toBe(gateway.pid);
    return { healLine: heal.stderr.trim(), gatewayOutput: gateway.output() };
  } finally {
    await gateway.stop();
  }
}

/** One start of the unit without a turn: its start steps (the heal), which must let the start go on; the heal's line and `ExecStart=`. */
async function startStepsOnly(rig: Rig): Promise<{ healLine: string; execStart: string[] }> {
  const { dropIn, steps, skipped } = await runStartSteps(path.join(rig.gen, DROP_IN), rig.node, rig.home, rig.as);
  expect(skipped, steps[0]?.stderr).toBe(false);
  return { healLine: steps[0]!.stderr.trim(), execStart: dropIn.execStart };
}

async function dropRig(rig: Rig | undefined): Promise<void> {
  if (!rig) return;
  await rig.server.close();
  await removeCopy(rig.runtime);
  await rm(rig.home.home, { recursive: true, force: true });
}

/** The pristine failure through the service, on a copy and home of its own (so nothing it runs repairs the copies under test). */
function itShowsThePristineFailure(c: HealCase): void {
  it(
    `pristine openclaw ${c.from}: a turn through its gateway service gets vLLM's 400`,
    async () => {
      const server = await startVllmLikeServer({ toolCalling: false, identifySenders: true });
      const { node, copy } = await openclawCopy(c.from, c.major);
      const home = await makeGatewayHome({ baseUrl: server.baseUrl, catalogRefreshKey: c.catalogRefreshKey });
      try {
        expect(existsSync(path.join(copy, LIFECYCLE_PENDING)), "starting state: no OpenClaw command ran").toBe(c.pendingLifecycle);
        const gateway = await startGateway(node, copy, home);
        let stopped: { code: number | null } | undefined;
        try {
          const turn = await agentThroughGateway(node, copy, home);
          const chats = server.chatRequests();
          expect(turn.stderr, "the CLI ran the turn itself").not.toContain(EMBEDDED_FALLBACK);
          expect(chats.length, allOutput(turn)).toBeGreaterThan(0);
          for (const chat of chats) expect(chat.senderPid, "the request came from the gateway process").toBe(gateway.pid);
          expect(chats.every((chat) => chat.status === 400)).toBe(true);
          expect(chats[0]!.body.tools.length).toBeGreaterThan(0);
          expect(chats[0]!.effectiveToolChoice, "explicit, or vLLM's default for a request with tools").toBe("auto");
          c.expectRejectedTurn(turn, gateway.output());
        } finally {
          stopped = await gateway.stop();
        }
        expect(stopped.code, "the service stops cleanly").toBe(0);
      } finally {
        await server.close();
        await removeCopy(copy);
        await rm(home.home, { recursive: true, force: true });
      }
    },
    20 * MIN,
  );
}

/** How the case lays `to` over the patched tree: an update to a later release, or a reinstall of the same one. */
const layingOver = (c: HealCase) => (c.from === c.to ? `${c.to} reinstalled over` : `${c.to} laid over`);

export function describeHealInPlace(c: HealCase): void {
  describe(`heal in place: openclaw ${c.from}, then ${layingOver(c)} it; the unit as systemd runs it, nothing typed`, () => {
    // First, and its copy removed before the rig's is made: the rig's copy then lands at the same
    // path, where OpenClaw 2026.2.x finds its transpile cache of the unpatched files warm (see `copyTree`).
    itShowsThePristineFailure(c);

    describe(`starting state: a fresh copy of openclaw ${c.from} no command has touched, the unit and wrapper \`clawmend launcher\` wrote`, () => {
      let rig: Rig;
      beforeAll(async () => {
        rig = await makeRig(c, false);
      }, 60 * MIN);
      afterAll(() => dropRig(rig));

      it(
        `first start, no clawmend command typed before: the heal patches ${c.from} in place, the turn gets the reply`,
        async () => {
          expect(existsSync(path.join(rig.runtime, ".clawmend")), "starting state: never patched").toBe(false);
          expect(existsSync(path.join(rig.runtime, LIFECYCLE_PENDING)), "starting state: no OpenClaw command ran").toBe(c.pendingLifecycle);
          const { healLine, gatewayOutput } = await serviceTurn(rig);
          expect(healLine).toMatch(new RegExp(`^clawmend: openclaw ${c.from} at \\S+: patched \\(\\d+ applied\\) and verified in `));
          expect(gatewayOutput).toContain('"msg":"vllm_tool_payload_stripped"');
          expect(gatewayOutput).not.toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
          if (c.pendingLifecycle) {
            // The heal patched before OpenClaw's own first start, which then ran the pending postinstall and its prune.
            expect(existsSync(path.join(rig.runtime, LIFECYCLE_PENDING)), "the start ran OpenClaw's postinstall").toBe(false);
            expect(gatewayOutput).not.toMatch(/pruned stale dist files:[^\n]*clawmend-/);
          }
        },
        30 * MIN,
      );

      it(
        `${layingOver(c)} the patched tree, nothing typed: the next start patches the new files and answers`,
        async () => {
          await layVersion(rig.runtime, c.to, c.major);
          expect(existsSync(path.join(rig.runtime, ".clawmend")), "the update took clawmend's state with it").toBe(false);
          const { healLine } = await serviceTurn(rig);
          expect(healLine).toMatch(new RegExp(`^clawmend: openclaw ${c.to} at \\S+: patched \\(\\d+ applied\\) and verified in `));
        },
        30 * MIN,
      );

      if (c.restartTurn)
        it(
          "restart: the heal finds nothing changed and the turn gets the reply",
          async () => {
            const { healLine } = await serviceTurn(rig);
            expect(healLine).toBe(`clawmend: openclaw ${c.to} at ${rig.runtime}: patched and verified (unchanged)`);
          },
          30 * MIN,
        );
      else
        it(
          "restart: the heal finds nothing changed after OpenClaw's own first start; ExecStart= is the same (the turn after a restart is the 2026.2 case's)",
          async () => {
            const { healLine, execStart } = await startStepsOnly(rig);
            expect(healLine).toBe(`clawmend: openclaw ${c.to} at ${rig.runtime}: patched and verified (unchanged)`);
            expect(execStart).toContain(path.join(rig.runtime, "dist", "index.js"));
          },
          30 * MIN,
        );

      it(
        `a config under which ${c.to} cannot be patched: one line, exit 3, systemd skips the start (no restart loop), nothing written`,
        async () => {
          writeFileSync(rig.config, configText(rig.server.url, c.to));
          const before = readdirSync(path.join(rig.runtime, "dist")).length;
          const manifest = readFileSync(path.join(rig.runtime, ".clawmend", "manifest.json"));
          const start = await startUnit(path.join(rig.gen, DROP_IN), rig.node, rig.home);
          expect(start.skipped).toBe(true);
          expect(start.gateway).toBeNull();
          const heal = start.steps[0]!;
          expect(heal.code).toBe(3);
          const lines = heal.stderr.trim().split("\n");
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatch(
            new RegExp(
              `^clawmend: openclaw ${c.to} at \\S+ cannot be patched: a required patch cannot be applied.*needs-missing-site.*the gateway is not started`,
            ),
          );
          expect(readdirSync(path.join(rig.runtime, "dist")).length).toBe(before);
          expect(readFileSync(path.join(rig.runtime, ".clawmend", "manifest.json"))).toEqual(manifest);
        },
        30 * MIN,
      );
    });
  });
}

export function describeHealMirror(c: HealCase): void {
  const root = process.getuid?.() === 0;
  describe.skipIf(!root)(
    `heal as a mirror: a root-owned openclaw ${c.from}, the unit as an unprivileged user; ${c.to} laid over it by root, nothing typed`,
    () => {
      let rig: Rig;
      let mirror: string;
      beforeAll(async () => {
        rig = await makeRig(c, true, unitUser());
        mirror = path.join(rig.home.home, ".local", "state", "clawmend", "openclaw");
      }, 60 * MIN);
      afterAll(() => dropRig(rig));

      it("starting state: the unit's user cannot write the runtime", async () => {
        const probe = await run("sh", ["-c", `touch ${JSON.stringify(path.join(rig.runtime, "dist", "probe"))}`], { as: rig.as! });
        expect(probe.code).not.toBe(0);
      });

      it(
        `first start: a patched mirror of ${c.from} in the user's state dir; the turn gets the reply; the install is untouched`,
        async () => {
          const { healLine } = await serviceTurn(rig);
          expect(healLine).toMatch(new RegExp(`^clawmend: openclaw ${c.from}: mirror of ${rig.runtime} rebuilt, patched and verified in `));
          expect(existsSync(path.join(mirror, "dist", "clawmend-overlay.mjs"))).toBe(true);
          expect(existsSync(path.join(rig.runtime, ".clawmend"))).toBe(false);
        },
        30 * MIN,
      );

      it(
        `${c.to} laid over by root and it cannot be patched (a required site is missing): the start goes on with the last good mirror, one journal line names both versions`,
        async () => {
          const build = realpathSync(mirror);
          await layVersion(rig.runtime, c.to, c.major);
          const { healLine, execStart } = await startStepsOnly(rig);
          expect(healLine.split("\n")).toHaveLength(1);
          expect(healLine).toMatch(
            new RegExp(
              `^clawmend: openclaw ${c.to} at \\S+ cannot be patched: .*needs-missing-site.*; still running the last good patched mirror, openclaw ${c.from} \\(`,
            ),
          );
          // The build the first start's turn was answered by.
          expect(realpathSync(mirror), "the mirror still points at the same build").toBe(build);
          expect(execStart).toContain(path.join(mirror, "dist", "index.js"));
        },
        30 * MIN,
      );

      it(
        `the config no longer requires the missing site: the next start rebuilds the mirror from ${c.to}, patched and verified, and ExecStart= runs it; OpenClaw's first command there runs its lifecycle in the mirror (a turn through a mirror is the first start's; the turn after an update, the in-place case's)`,
        async () => {
          writeFileSync(rig.config, configText(rig.server.url));
          chownSync(rig.config, rig.as!.uid, rig.as!.gid);
          const { healLine, execStart } = await startStepsOnly(rig);
          expect(healLine).toMatch(new RegExp(`^clawmend: openclaw ${c.from} → ${c.to}: mirror of \\S+ rebuilt, patched and verified in `));
          expect(JSON.parse(readFileSync(path.join(mirror, "package.json"), "utf8")).version).toBe(c.to);
          expect(execStart).toContain(path.join(mirror, "dist", "index.js"));
          expect(existsSync(path.join(mirror, LIFECYCLE_PENDING)), "the mirror's lifecycle is still pending").toBe(c.pendingLifecycle);
          const first = await run(rig.node, [path.join(mirror, "openclaw.mjs"), "--version"], {
            as: rig.as!,
            cwd: rig.home.home,
            env: serviceEnv(rig.node, rig.home, rig.as),
          });
          expect(first.code, allOutput(first)).toBe(0);
          expect(first.stdout).toContain(c.to);
          expect(existsSync(path.join(mirror, LIFECYCLE_PENDING)), "the first command ran it").toBe(false);
        },
        30 * MIN,
      );

      it(
        "restart, after OpenClaw's own first command in the mirror: the heal finds it unchanged and rebuilds nothing; ExecStart= still runs the mirror (the turn after a restart is the 2026.2 in-place case's)",
        async () => {
          const build = realpathSync(mirror);
          const { healLine, execStart } = await startStepsOnly(rig);
          expect(healLine).toBe(`clawmend: openclaw ${c.to} mirror of ${rig.runtime} at ${mirror}: patched and verified (unchanged)`);
          expect(realpathSync(mirror), "the mirror still points at the same build").toBe(build);
          expect(execStart).toContain(path.join(mirror, "dist", "index.js"));
        },
        30 * MIN,
      );
    },
  );
}

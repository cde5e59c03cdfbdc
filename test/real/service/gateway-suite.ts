/**
 * The operator's path, as one suite per OpenClaw version: the gateway service as its systemd
 * unit runs it, and `openclaw agent` going through it to a vLLM started without tool calling.
 *
 * Starting state of every copy: a fresh copy of an install made with `--ignore-scripts` that no
 * OpenClaw command has touched (on 2026.9.6 OpenClaw's postinstall is still pending, marked by
 * `.openclaw-lifecycle-pending`, and the first start runs it). The failure is shown on a second,
 * pristine copy with its own home, so nothing the pristine run does repairs the patched copy.
 */
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin } from "../../support/cli.js";
import { agentThroughGateway, EMBEDDED_FALLBACK, makeGatewayHome, startGateway, type GatewayHome } from "../../support/gateway.js";
import type { NodeMajor } from "../../support/node-runtime.js";
import { allOutput, openclawCopy } from "../../support/openclaw-agent.js";
import { removeCopy } from "../../support/real-packages.js";
import { type RunResult } from "../../support/run.js";
import { expectReplyWithoutTools } from "../../support/vllm-assertions.js";
import { startVllmLikeServer, VLLM_AUTO_TOOL_CHOICE_ERROR, type VllmLikeServer } from "../../support/vllm-server.js";

const MIN = 60_000;
const LIFECYCLE_PENDING = ".openclaw-lifecycle-pending";

export interface ServiceCase {
  version: string;
  major: NodeMajor;
  /** Whether the version's config schema knows `models.catalogRefresh` (see `makeGatewayHome`). */
  catalogRefreshKey: boolean;
  /** Whether the published tarball ships OpenClaw's pending postinstall. */
  pendingLifecycle: boolean;
  /** How vLLM's 400 reaches the operator through the gateway on this version. */
  expectRejectedTurn(turn: RunResult, gatewayOutput: string): void;
}

interface Copy {
  node: string;
  copy: string;
  home: GatewayHome;
}

export function describeGatewayService(c: ServiceCase): void {
  describe(`openclaw ${c.version}: the gateway service and agent turns through it, vLLM without tool calling`, () => {
    let server: VllmLikeServer;
    let pristine: Copy;
    let patched: Copy;
    let clawmendConfig: string;

    const copyWithHome = async (): Promise<Copy> => {
      const { node, copy } = await openclawCopy(c.version, c.major);
      return { node, copy, home: await makeGatewayHome({ baseUrl: server.baseUrl, catalogRefreshKey: c.catalogRefreshKey }) };
    };
    const clawmend = (args: string[]) => runBin([...args, "--root", patched.copy, "--config", clawmendConfig], { cwd: os.tmpdir() });

    /** One start of the copy's service, one turn through it, and a stop; the chat requests are the server's. */
    const serviceTurn = async (target: Copy) => {
      server.requests.length = 0;
      const gateway = await startGateway(target.node, target.copy, target.home);
      try {
        const turn = await agentThroughGateway(target.node, target.copy, target.home);
        const chats = server.chatRequests();
        expect(turn.stderr, "the CLI ran the turn itself").not.toContain(EMBEDDED_FALLBACK);
        expect(chats.length, allOutput(turn)).toBeGreaterThan(0);
        for (const chat of chats) expect(chat.senderPid, "the request came from the gateway process").toBe(gateway.pid);
        return { turn, chats, gatewayOutput: gateway.output(), stopped: await gateway.stop() };
      } finally {
        await gateway.stop();
      }
    };

    beforeAll(async () => {
      server = await startVllmLikeServer({ toolCalling: false, identifySenders: true });
      pristine = await copyWithHome();
      patched = await copyWithHome();
      clawmendConfig = path.join(patched.home.home, "clawmend.config.ts");
      await writeFile(clawmendConfig, `export default { vllm: { endpoints: ${JSON.stringify([server.url])} } };\n`);
    }, 60 * MIN);
    afterAll(async () => {
      await server?.close();
      for (const target of [pristine, patched]) {
        if (!target) continue;
        await removeCopy(target.copy);
        await rm(target.home.home, { recursive: true, force: true });
      }
    });

    it("starting state: both copies never ran an OpenClaw command", () => {
      for (const target of [pristine, patched]) expect(existsSync(path.join(target.copy, LIFECYCLE_PENDING))).toBe(c.pendingLifecycle);
    });

    it(
      "pristine copy: the turn through the service gets vLLM's 400",
      async () => {
        const { turn, chats, gatewayOutput, stopped } = await serviceTurn(pristine);
        expect(chats.every((chat) => chat.status === 400)).toBe(true);
        expect(chats[0]!.body.tools.length).toBeGreaterThan(0);
        expect(chats[0]!.effectiveToolChoice, "explicit, or vLLM's default for a request with tools").toBe("auto");
        c.expectRejectedTurn(turn, gatewayOutput);
        expect(stopped.code).toBe(0);
      },
      20 * MIN,
    );

    it(
      "clawmend patch before any OpenClaw command has run, then --verify (the unit's ExecStartPre=) is green",
      async () => {
        const applied = await clawmend(["patch"]);
        expect(applied.code, allOutput(applied)).toBe(0);
        expect(existsSync(path.join(patched.copy, LIFECYCLE_PENDING)), "clawmend ran no OpenClaw code").toBe(c.pendingLifecycle);
        const verified = await clawmend(["patch", "--verify"]);
        expect(verified.code, allOutput(verified)).toBe(0);
      },
      10 * MIN,
    );

    it(
      "patched copy, first start: the service answers the turn with vLLM's reply, tools stripped by the gate in the gateway",
      async () => {
        const { turn, gatewayOutput, stopped } = await serviceTurn(patched);
        expect(turn.code, allOutput(turn)).toBe(0);
        expectReplyWithoutTools(server, turn.stdout);
        expect(gatewayOutput).toContain('"msg":"vllm_tool_payload_stripped"');
        expect(gatewayOutput).not.toContain(VLLM_AUTO_TOOL_CHOICE_ERROR);
        if (c.pendingLifecycle) {
          expect(existsSync(path.join(patched.copy, LIFECYCLE_PENDING)), "the start ran OpenClaw's postinstall").toBe(false);
          expect(gatewayOutput).not.toMatch(/pruned stale dist files:[^\n]*clawmend-/);
        }
        expect(stopped.code).toBe(0);
      },
      20 * MIN,
    );

    it(
      "after the stop, with OpenClaw's own first start behind it: the unit's ExecStartPre= --verify is still green (a restart's turn is proven by the heal suites)",
      async () => {
        const verified = await clawmend(["patch", "--verify"]);
        expect(verified.code, allOutput(verified)).toBe(0);
      },
      10 * MIN,
    );
  });
}

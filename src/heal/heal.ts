import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { isClawmendError } from "../core/errors.js";
import { TOOL_VERSION } from "../core/version.js";
import type { RunConfig, RunOptions } from "../engine/run.js";
import type { RunReport } from "../verify/report.js";
import { CANNOT_APPLY, NOT_VERIFIED } from "../verify/status.js";
import { statRows, unchangedRows, type StatRow } from "./fingerprint.js";
import { inPlaceStamp, mirrorStamp, readStamp, STAMP_FORMAT, writeStamp, type HealStamp } from "./stamp.js";
import { openclawVersion, watchRows } from "./watch.js";

export interface HealOptions {
  /** The installed openclaw package (patched in place, or the mirror's source). */
  runtime: string;
  /** Mirror mode: the runtime the unit runs, rebuilt from `runtime` when it changed. */
  mirror?: string;
  /** Identifies the config: its file and a digest of its bytes, or "builtin". */
  configKey: string;
  /** Loads the config; called only when something changed. */
  loadConfig: () => Promise<RunConfig>;
}

export type HealOutcome =
  /** Nothing changed since the last green heal: nothing was read beyond `lstat`. */
  | "unchanged"
  /** Patched (or found patched) and verified. */
  | "patched"
  /** Mirror mode: the mirror was rebuilt from a changed source, patched and verified. */
  | "rebuilt"
  /** Mirror mode: the source cannot be patched; the last good mirror still verifies and runs. */
  | "kept-last-good"
  /** Nothing verified to run: the unit must not start. */
  | "refused";

export interface HealReport {
  mode: "in-place" | "mirror";
  outcome: HealOutcome;
  /** The openclaw package the unit runs (null when refused). */
  runs: string | null;
  /** openclaw's version at `--runtime`, and in what runs. */
  versions: { source: string; running: string | null };
  /** One line for the journal. */
  message: string;
  exitCode: 0 | 3;
  ms: number;
}

/** The engine and the rebuild load Babel and friends: only a heal that has work to do pays for them. */
async function runPatches(options: RunOptions): Promise<RunReport> {
  return (await import("../engine/run.js")).runPatches(options);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function isFresh(stamp: HealStamp | null, options: HealOptions): stamp is HealStamp {
  return stamp !== null && stamp.format === STAMP_FORMAT && stamp.tool === TOOL_VERSION && stamp.config === options.configKey;
}

/** The stamp of a green heal (or, with `failed`, of a source the last good mirror stands in for). */
function stampOf(options: HealOptions, openclaw: string, source: StatRow[], mirror?: HealStamp["mirror"], failed?: string): HealStamp {
  return {
    format: STAMP_FORMAT,
    tool: TOOL_VERSION,
    config: options.configKey,
    openclaw,
    source,
    ...(mirror ? { mirror } : {}),
    ...(failed !== undefined ? { failed } : {}),
  };
}

/** Why a run could not make the tree good, in a few words. */
function failure(report: RunReport): string {
  if (report.refused) return report.refused;
  const bad = report.copies.flatMap((c) =>
    c.patches.filter((p) => CANNOT_APPLY.has(p.status) || NOT_VERIFIED.has(p.status)).map((p) => `${p.patch} ${p.status}`),
  );
  return bad.length ? bad.join(", ") : `exit ${report.exitCode}`;
}

/** An error a heal reports as a reason (clawmend's own, or the file system's), or rethrows. */
function reasonOf(error: unknown): string {
  if (isClawmendError(error)) return error.message;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code === "string" && error instanceof Error) return error.message;
  throw error;
}

/** Patches the runtime where it is installed, then proves it. */
async function healInPlace(options: HealOptions, started: number): Promise<HealReport> {
  const runtime = resolve(options.runtime);
  const stampPath = inPlaceStamp(runtime);
  const stamp = readStamp(stampPath);
  const version = openclawVersion(runtime);
  const base = { mode: "in-place" as const, versions: { source: version, running: version } };
  const where = `openclaw ${version} at ${runtime}`;
  if (isFresh(stamp, options) && !stamp.failed && unchangedRows(runtime, stamp.source)) {
    return {
      ...base,
      outcome: "unchanged",
      runs: runtime,
      message: `${where}: patched and verified (unchanged)`,
      exitCode: 0,
      ms: Date.now() - started,
    };
  }
  const refuse = (reason: string, fix?: string): HealReport => ({
    ...base,
    versions: { source: version, running: null },
    outcome: "refused",
    runs: null,
    message:
      `${where} cannot be patched: ${reason}; the gateway is not started` +
      (stamp && stamp.openclaw !== version ? ` (clawmend last patched openclaw ${stamp.openclaw} here)` : "") +
      `. Fix: ${
        fix ??
        (version === "?"
          ? "reinstall openclaw there, or point the unit at the installed package (clawmend launcher --runtime DIR)"
          : `a clawmend that supports openclaw ${version}, or reinstall a version it supports`)
      }`,
    exitCode: 3,
    ms: Date.now() - started,
  });
  let config: RunConfig;
  try {
    config = await options.loadConfig();
  } catch (error) {
    return refuse(reasonOf(error), "the config the unit names (then systemctl --user restart openclaw-gateway.service)");
  }
  try {
    const patched = await runPatches({ root: runtime, config, mode: "patch" });
    if (patched.exitCode !== 0) return refuse(failure(patched));
    const verified = await runPatches({ root: runtime, config, mode: "verify" });
    if (verified.exitCode !== 0) return refuse(`not verified after patching (${failure(verified)})`);
    const applied = patched.summary.applied;
    writeStamp(
      stampPath,
      stampOf(
        options,
        version,
        watchRows(
          runtime,
          verified.copies.map((c) => c.dir),
        ),
      ),
    );
    const was = stamp && stamp.openclaw !== version ? `openclaw ${stamp.openclaw} → ${version} at ${runtime}` : where;
    return {
      ...base,
      outcome: "patched",
      runs: runtime,
      message: `${was}: ${applied > 0 ? `patched (${applied} applied)` : "already patched"} and verified in ${seconds(Date.now() - started)}`,
      exitCode: 0,
      ms: Date.now() - started,
    };
  } catch (error) {
    return refuse(reasonOf(error));
  }
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** Keeps a patched mirror of the runtime in step with it; falls back to the last good mirror. */
async function healMirror(options: HealOptions & { mirror: string }, started: number): Promise<HealReport> {
  const source = realOrNull(resolve(options.runtime)) ?? resolve(options.runtime);
  const mirror = resolve(options.mirror);
  const stampPath = mirrorStamp(mirror);
  const stamp = readStamp(stampPath);
  const sourceVersion = openclawVersion(source);
  const target = realOrNull(mirror);
  const done = (outcome: HealOutcome, message: string, exitCode: 0 | 3 = 0): HealReport => {
    const runs = exitCode === 0 ? mirror : null;
    const running = runs ? openclawVersion(mirror) : null;
    return { mode: "mirror", outcome, runs, versions: { source: sourceVersion, running }, message, exitCode, ms: Date.now() - started };
  };
  const mirrorIntact = (s: HealStamp) => s.mirror !== undefined && s.mirror.target === target && unchangedRows(target!, s.mirror.rows);
  const keptLine = (reason: string, running: string) =>
    `openclaw ${sourceVersion} at ${source} cannot be patched: ${reason}; still running the last good patched mirror, openclaw ${running} (${mirror})`;

  if (target && isFresh(stamp, options) && unchangedRows(source, stamp.source) && mirrorIntact(stamp)) {
    if (stamp.failed) return done("kept-last-good", keptLine(stamp.failed, stamp.mirror!.openclaw));
    return done("unchanged", `openclaw ${stamp.mirror!.openclaw} mirror of ${source} at ${mirror}: patched and verified (unchanged)`);
  }

  const sourceBefore = statRows(source, ["package.json", "dist", "node_modules"]);
  let reason: string;
  let config: RunConfig | null = null;
  try {
    config = await options.loadConfig();
    const { rebuild } = await import("../rebuild/rebuild.js");
    const built = await rebuild({ src: source, dest: mirror, config });
    if (built.exitCode === 0 && built.target) {
      const copies = built.patch.copies.map((c) => c.dir);
      const nested = statRows(
        source,
        copies.filter((d) => d !== ".").map((d) => `${d}/package.json`),
      );
      const rows = watchRows(built.target, copies);
      writeStamp(
        stampPath,
        stampOf(options, sourceVersion, [...sourceBefore, ...nested], { target: built.target, openclaw: sourceVersion, rows }),
      );
      const previous = stamp?.mirror?.openclaw;
      const from = previous && previous !== sourceVersion ? `openclaw ${previous} → ${sourceVersion}` : `openclaw ${sourceVersion}`;
      return done(
        built.unchanged ? "unchanged" : "rebuilt",
        `${from}: mirror of ${source} ${built.unchanged ? "checked" : "rebuilt"}, patched and verified in ${seconds(Date.now() - started)} (${mirror})`,
      );
    }
    reason = built.patch.refused ?? built.refused ?? "a required patch cannot be applied";
  } catch (error) {
    reason = reasonOf(error);
  }

  // The new source cannot be made good: keep serving the last good mirror, if it still is.
  const current = realOrNull(mirror);
  if (current && config && existsSync(join(current, "package.json"))) {
    const verified = await runPatches({ root: current, config, mode: "verify" }).catch(() => null);
    if (verified?.exitCode === 0) {
      const running = openclawVersion(current);
      const rows = watchRows(
        current,
        verified.copies.map((c) => c.dir),
      );
      writeStamp(stampPath, stampOf(options, sourceVersion, sourceBefore, { target: current, openclaw: running, rows }, reason));
      return done("kept-last-good", keptLine(reason, running));
    }
  }
  if (!config) {
    // Nothing can be proved without the config, the last good mirror included.
    return done("refused", `the config does not load: ${reason}; the gateway is not started. Fix: the config the unit names`, 3);
  }
  return done(
    "refused",
    `openclaw ${sourceVersion} at ${source} cannot be patched: ${reason}; no good patched mirror to run, the gateway is not started`,
    3,
  );
}

/**
 * Makes the runtime the gateway unit runs patched and verified, with nothing typed: in place
 * when the unit's user can write the runtime, else as a mirror in the user's state directory.
 * Cheap when nothing changed (one `lstat` per watched path); never leaves a half-patched tree.
 */
export async function heal(options: HealOptions): Promise<HealReport> {
  const started = Date.now();
  return options.mirror ? healMirror({ ...options, mirror: options.mirror }, started) : healInPlace(options, started);
}

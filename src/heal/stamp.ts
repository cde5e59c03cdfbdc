import { basename, dirname } from "node:path";
import { readRegularInside } from "../core/confine.js";
import { STATE_DIR } from "../core/paths.js";
import { writeFileAtomic } from "../engine/atomic.js";
import { isConfinedRel, type StatRow } from "./fingerprint.js";

export const STAMP_FORMAT = 1;

/**
 * What the last heal proved, and of which bytes: the tool and config that did it, and the stat
 * rows of every path whose change would call for another look. A start whose rows all match
 * runs what was proved without reading a file.
 */
export interface HealStamp {
  format: typeof STAMP_FORMAT;
  tool: string;
  /** The config file and a digest of its bytes ("builtin" for the built-in default). */
  config: string;
  /** openclaw's version in the runtime (the source, in mirror mode). */
  openclaw: string;
  /** Watched paths of the runtime (the source, in mirror mode). */
  source: StatRow[];
  /** Mirror mode: the store the mirror pointed at, its openclaw version, and its watched paths. */
  mirror?: { target: string; openclaw: string; rows: StatRow[] };
  /** Mirror mode: the source could not be patched; not tried again until it or the tool/config changes. */
  failed?: string;
}

/** Where a stamp lives: a directory and a name inside it (never followed through a link). */
export interface StampPlace {
  root: string;
  rel: string;
}

/** In place: inside the runtime's state directory. */
export function inPlaceStamp(runtime: string): StampPlace {
  return { root: runtime, rel: `${STATE_DIR}/heal.json` };
}

/** Mirror mode: beside the mirror, in the unit user's own state directory. */
export function mirrorStamp(mirror: string): StampPlace {
  return { root: dirname(mirror), rel: `.${basename(mirror)}.clawmend-heal.json` };
}

/** The stamp, or null when it is absent, unreadable, a link, or not what clawmend writes. */
export function readStamp(place: StampPlace): HealStamp | null {
  try {
    const bytes = readRegularInside(place.root, place.rel);
    if (!bytes) return null;
    const parsed = JSON.parse(bytes.toString("utf8")) as HealStamp;
    return isStamp(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function writeStamp(place: StampPlace, stamp: HealStamp): void {
  writeFileAtomic(place.root, place.rel, `${JSON.stringify(stamp, null, 2)}\n`, 0o644);
}

function isRows(rows: unknown): rows is StatRow[] {
  return (
    Array.isArray(rows) &&
    rows.every((row) => Array.isArray(row) && row.length === 2 && isConfinedRel(row[0]) && typeof row[1] === "string")
  );
}

function isStamp(s: HealStamp): boolean {
  if (typeof s !== "object" || s === null || s.format !== STAMP_FORMAT) return false;
  if (typeof s.tool !== "string" || typeof s.config !== "string" || typeof s.openclaw !== "string" || !isRows(s.source)) return false;
  if (s.failed !== undefined && typeof s.failed !== "string") return false;
  if (s.mirror === undefined) return true;
  return typeof s.mirror.target === "string" && typeof s.mirror.openclaw === "string" && isRows(s.mirror.rows);
}

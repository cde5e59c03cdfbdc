/**
 * What this process learned from servers that refused tool calling: per origin and served model,
 * when the refusal was seen and when tools were last tried. One table for the whole process (a
 * `globalThis` symbol: every copy of the overlay shares it); it lives as long as the process.
 */
import type { Learned } from "./tool-refusal.js";
import { LEARNED_ORIGINS_KEY } from "./symbols.js";

export interface OriginKey {
  origin: string;
  model: string | null;
}

function table(): Record<string, Learned> {
  const g = globalThis as Record<symbol, unknown>;
  const symbol = Symbol.for(LEARNED_ORIGINS_KEY);
  const found = g[symbol];
  if (found !== null && typeof found === "object") return found as Record<string, Learned>;
  const created = Object.create(null) as Record<string, Learned>;
  try {
    Object.defineProperty(globalThis, symbol, { value: created, configurable: true, writable: true });
  } catch {
    // a frozen global: this copy remembers on its own
  }
  return created;
}

const keyOf = (k: OriginKey) => `${k.origin} ${k.model ?? ""}`;

export function learnedOf(k: OriginKey): Learned | null {
  return table()[keyOf(k)] ?? null;
}

/** Whether any model of `origin` is learned (for trace lines, which are per origin). */
export function isLearnedOrigin(origin: string): boolean {
  const prefix = `${origin} `;
  return Object.keys(table()).some((key) => key.indexOf(prefix) === 0);
}

/** Records a refusal seen `now`; true when the origin was not learned before (the change to log). */
export function remember(k: OriginKey, now: number): boolean {
  const t = table();
  const known = t[keyOf(k)];
  t[keyOf(k)] = { learnedAt: now, checkedAt: now };
  return known === undefined;
}

/** Tools are being sent again now (a re-check): later requests keep being stripped meanwhile. */
export function markChecked(k: OriginKey, now: number): void {
  const known = table()[keyOf(k)];
  if (known) known.checkedAt = now;
}

export function forget(k: OriginKey): void {
  delete table()[keyOf(k)];
}

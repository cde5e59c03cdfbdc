import { createRequire } from "node:module";
import compare from "semver/functions/compare.js";

/**
 * Whether `version` is in `range`, as semver's `satisfies(version, range, { includePrerelease:
 * true })` answers. A range made only of plain comparators (`>=2026.8.0-0 <2026.9.0-0`, with `||`
 * between sets) is decided with semver's `compare`; anything else (caret, tilde, hyphen,
 * x-ranges, partial versions) by semver's `satisfies`, loaded only then. Every run decides the
 * built-in targets' ranges: this keeps semver's range parser and its regular expressions out of
 * the steady state.
 */
export function satisfiesRange(version: string, range: string): boolean {
  const sets = range.split("||").map((set) => set.trim().split(/\s+/).filter(Boolean));
  const plain = sets.every((set) => set.length > 0 && set.every((comparator) => PLAIN.test(comparator)));
  if (!plain) return semverSatisfies()(version, range, { includePrerelease: true });
  try {
    return sets.some((set) => set.every((comparator) => holds(version, comparator)));
  } catch {
    return false; // not a version semver can parse: satisfies() says no
  }
}

const VERSION = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?`;
const PLAIN = new RegExp(`^(<=|>=|<|>|=)?v?(${VERSION})$`);

function holds(version: string, comparator: string): boolean {
  const [, operator = "=", bound] = PLAIN.exec(comparator)!;
  const order = compare(version, bound!);
  switch (operator) {
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    default:
      return order === 0;
  }
}

type Satisfies = typeof import("semver/functions/satisfies.js");
let satisfies: Satisfies | undefined;
function semverSatisfies(): Satisfies {
  satisfies ??= createRequire(import.meta.url)("semver/functions/satisfies.js") as Satisfies;
  return satisfies;
}

/** Every published stable version of a package (`npm view … versions`), prereleases left out. */
import semver from "semver";
import { runOk } from "../test/support/run.js";

export async function stableVersions(name: string, range: string): Promise<string[]> {
  const r = await runOk("npm", ["view", name, "versions", "--json"], { timeoutMs: 120_000 });
  const all = JSON.parse(r.stdout) as string[] | string;
  return (Array.isArray(all) ? all : [all])
    .filter((v) => semver.valid(v) && semver.prerelease(v) === null && semver.satisfies(v, range))
    .sort(semver.compare);
}

/**
 * The order a sweep takes versions in: the newest of each minor line first (newest line
 * first), then every other version, newest first. A sweep stopped early has still seen
 * every line.
 */
export function sweepOrder(versions: readonly string[]): string[] {
  const newestFirst = [...versions].sort(semver.rcompare);
  const heads = new Map<string, string>();
  for (const v of newestFirst) {
    const line = `${semver.major(v)}.${semver.minor(v)}`;
    if (!heads.has(line)) heads.set(line, v);
  }
  const first = [...heads.values()];
  return [...first, ...newestFirst.filter((v) => !first.includes(v))];
}

/**
 * Rows of earlier sweeps, kept in `<cache>/sweep/rows.jsonl` under the digest of what made them:
 * the CLI snapshot's bundle and the sweep's own checking code. `--resume` reuses a row only when
 * that digest is the same, so a stopped sweep continues where it was and a changed patch or
 * census is swept again.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { cacheRoot } from "../test/support/real-packages.js";
import type { VersionRow } from "./check-version.js";

/** sha256 over the files of the given directories (sorted, recursive), relative names included. */
export function digestOf(dirs: readonly string[]): string {
  const hash = createHash("sha256");
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${rel}/${entry.name}`);
      else if (entry.isFile()) hash.update(`${rel}/${entry.name}\0`).update(readFileSync(join(dir, entry.name)));
    }
  };
  dirs.forEach((dir, i) => walk(dir, String(i)));
  return hash.digest("hex");
}

export class ResultStore {
  private readonly file = join(cacheRoot(), "sweep", "rows.jsonl");
  private readonly known = new Map<string, VersionRow>();

  constructor(private readonly digest: string) {
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (!line) continue;
      const entry = JSON.parse(line) as { digest: string; row: VersionRow };
      if (entry.digest === digest) this.known.set(`${entry.row.package}@${entry.row.version}`, entry.row);
    }
  }

  get(name: string, version: string): VersionRow | undefined {
    return this.known.get(`${name}@${version}`);
  }

  put(row: VersionRow): void {
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify({ digest: this.digest, row })}\n`);
  }
}

/** What a patch reported against the census, file by file: each difference is one line of text. */

/** File → sorted 1-based lines of its sites. */
export type SiteLines = Map<string, number[]>;

export function compareSites(what: string, patched: SiteLines, independent: SiteLines): string[] {
  const out: string[] = [];
  const files = [...new Set([...patched.keys(), ...independent.keys()])].sort();
  for (const file of files) {
    const p = patched.get(file) ?? [];
    const i = independent.get(file) ?? [];
    if (p.join(",") === i.join(",")) continue;
    out.push(`${file}: ${what} patched ${p.length} (lines ${p.join(",") || "-"}), census ${i.length} (lines ${i.join(",") || "-"})`);
  }
  return out;
}

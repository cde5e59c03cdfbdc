/** The comment carried by every snippet a patch inserts: `/*@clawpatch <id>@<version>*\/`. */
export function markerFor(id: string, version: number): string {
  return `/*@clawpatch ${id}@${version}*/`;
}

/** The marker without its version, to recognise any version of a patch. */
export function markerPrefixFor(id: string): string {
  return `/*@clawpatch ${id}@`;
}

const ANY_MARKER = "/*@clawpatch ";

/** Whether the text carries any clawpatch marker at all. */
export function hasAnyMarker(code: string | Buffer): boolean {
  return code.includes(ANY_MARKER);
}

/** Whether the text carries a marker of this patch from another version than `marker`. */
export function hasOtherVersionMarker(code: string, prefix: string, marker: string): boolean {
  for (let at = code.indexOf(prefix); at !== -1; at = code.indexOf(prefix, at + prefix.length)) {
    if (!code.startsWith(marker, at)) return true;
  }
  return false;
}

/** A marker must be exactly one clawpatch comment: it is pasted into code verbatim. */
export function assertMarker(marker: string): void {
  if (!/^\/\*@clawpatch [a-z0-9][a-z0-9-]*@\d+\*\/$/.test(marker)) {
    throw new Error(`not a clawpatch marker: ${JSON.stringify(marker)}`);
  }
}

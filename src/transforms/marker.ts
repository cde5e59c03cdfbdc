/** The comment carried by every snippet a patch inserts: `/*@clawmend <id>@<version>*\/`. */
export function markerFor(id: string, version: number): string {
  return `/*@clawmend ${id}@${version}*/`;
}

/** The marker without its version, to recognise any version of a patch. */
export function markerPrefixFor(id: string): string {
  return `/*@clawmend ${id}@`;
}

const ANY_MARKER = "/*@clawmend ";

/** Whether the text carries any clawmend marker at all. */
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

/** A marker must be exactly one clawmend comment: it is pasted into code verbatim. */
export function assertMarker(marker: string): void {
  if (!/^\/\*@clawmend [a-z0-9][a-z0-9-]*@\d+\*\/$/.test(marker)) {
    throw new Error(`not a clawmend marker: ${JSON.stringify(marker)}`);
  }
}

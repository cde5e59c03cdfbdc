/** The marker a built-in patch writes, taken from its spec (id and version), never spelled out in a test. */
import { defaultSettings } from "../../src/config/settings.js";
import { builtinPatches } from "../../src/patches/builtins.js";
import { markerFor } from "../../src/transforms/marker.js";

export function builtinMarker(id: string): string {
  const spec = builtinPatches(defaultSettings()).find((candidate) => candidate.id === id);
  if (!spec) throw new Error(`no built-in patch ${id}`);
  return markerFor(spec.id, spec.version);
}

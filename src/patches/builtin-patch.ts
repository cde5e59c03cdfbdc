/**
 * What a built-in patch's folder declares (src/patches/builtin/<id>/spec.ts, default export):
 * its specs, where it stands in the order, and what the doctor's self-test checks of it. The
 * build, the fixture harness and the doctor find every folder through the generated index; no
 * other file names a patch or its helper.
 */
import type { Settings } from "../config/settings.js";
import type { PatchSpec } from "../core/spec.js";
import { assertMarker } from "../transforms/marker.js";

export interface Builtin {
  /** The built-ins apply in ascending `order`: the order of the report and of helpers appended to one file. */
  order: number;
  /**
   * An example (a folder of src/patches/examples/): built and held to its fixtures like the
   * others, never shipped, and never one of `builtinPatches()` (were it listed with them).
   */
  example?: boolean;
  /** The folder's specs for these settings (the overlay has two: the `dist/` entries and the bin). */
  specs(settings: Settings): PatchSpec[];
  /** What `clawmend doctor --self-test` checks of the helper in a file this patch edited. */
  selfTest?: HelperSelfTest;
}

/** Typed identity, like `definePatch`. */
export function defineBuiltin(builtin: Builtin): Builtin {
  return builtin;
}

/** The build's text of a folder's `helper/` entry (its `embedded.generated.ts`). */
export interface EmbeddedHelper {
  /** The function the entry exports, which the helper calls. */
  exports: string;
  /** That function's parameters. */
  params: readonly string[];
  /** The entry's declarations, bundled (no import, no export). */
  body: string;
}

/** A helper function as a patch appends it to OpenClaw's files, once per file. */
export interface Helper<Options> {
  /** `__clawmend_<name>`: what the inserted calls call. */
  name: string;
  /** The declaration, carrying the patch's marker. */
  source: (options: Options, marker: string) => string;
  /** How the declaration starts and where its last statement starts: what the doctor cuts out of a file. */
  start: string;
  end: string;
}

/**
 * `function <name>(<params>) { "use strict"; <body> return <export>(<params>[, <options>]); }`.
 * The helper takes the exported function's parameters; with `options: "last-parameter"`, the
 * export's last parameter receives the spec's options as one literal instead.
 */
export function embeddedHelper<Options>(name: string, code: EmbeddedHelper, options?: "last-parameter"): Helper<Options> {
  if (!/^__clawmend_\w+$/.test(name)) throw new Error(`a helper's name starts with __clawmend_: ${name}`);
  if (options && code.params.length === 0) throw new Error(`${code.exports} takes no parameter for the options`);
  const params = (options ? code.params.slice(0, -1) : code.params).join(", ");
  const start = `\nfunction ${name}(`;
  const end = `\n  return ${code.exports}(`;
  return {
    name,
    start,
    end,
    source: (value: Options, marker: string) => {
      assertMarker(marker);
      const args = options ? [params, JSON.stringify(value)].filter(Boolean).join(", ") : params;
      return `${marker}${start}${params}) {
"use strict";
${code.body}${end.slice(1)}${args});
}
`;
    },
  };
}

/**
 * A check of a patch's helper, run by the self-test script with the runtime's own Node on the
 * helper cut out of a file the patch edited (the first the manifest lists with its sites).
 */
export interface HelperSelfTest {
  /** The spec whose sites mark the file. */
  id: string;
  helper: Pick<Helper<unknown>, "name" | "start" | "end">;
  /**
   * JavaScript source of `(helper, probe) => value`, where `probe` is what the self-test script
   * offers: `os` (its `networkInterfaces` throws as on a hardened host) and `throwing` (that
   * throwing function).
   */
  call: string;
  /** What the call must return (compared as JSON). */
  expect: unknown;
  /** The problem, when it does not: `<what> in <file> <fails> (<what it got>)`. */
  what: string;
  fails: string;
  /** The helper as named in the error when a file holds none: `no <noun> in <file>`. */
  noun: string;
}

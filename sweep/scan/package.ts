/**
 * The sweep's independent census of one pristine package: per file, the OS-backed
 * `networkInterfaces` uses (openclaw) and the payload builders (every package), each file read
 * once, parsed by acorn only when its text names what is counted.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { linesAt, parseProgram, type Format } from "./ast.js";
import { countBuilders } from "./builders.js";
import { loadableFiles } from "./loadable-files.js";
import { countNetworkInterfaceUses } from "./network-interfaces.js";

export interface FileCensus {
  guard: number[];
  reexports: number;
  builders: number[];
}

export interface PackageCensus {
  files: Map<string, FileCensus>;
  /** Files under a deliberate exclusion that name what is counted: listed, not parsed. */
  excluded: string[];
  /** Files that name what is counted but parse neither as a module nor as a script. */
  unparsed: Array<{ file: string; error: string }>;
  scanned: number;
}

const BUILDER_NAMES = ["buildParams", "buildOpenAICompletionsParams", "buildOpenAICompletionsRequest"];

export interface CensusOptions {
  packageType: "module" | "commonjs";
  /** Count `networkInterfaces` uses (the guard patches openclaw only). */
  countGuard: boolean;
  /** Files no patch may touch, by design (openclaw's `dist/worker/**`). */
  isExcluded: (file: string) => boolean;
}

export function censusOf(root: string, options: CensusOptions): PackageCensus {
  const { packageType, countGuard } = options;
  const files = new Map<string, FileCensus>();
  const excluded: string[] = [];
  const unparsed: PackageCensus["unparsed"] = [];
  const all = loadableFiles(root);
  for (const file of all) {
    const bytes = readFileSync(join(root, file));
    const guardText = countGuard && bytes.includes("networkInterfaces");
    const builderText = BUILDER_NAMES.some((name) => bytes.includes(name));
    if (!guardText && !builderText) continue;
    if (options.isExcluded(file)) {
      excluded.push(file);
      continue;
    }
    const code = bytes.toString("utf8");
    const format: Format = file.endsWith(".mjs") ? "esm" : file.endsWith(".cjs") ? "cjs" : packageType === "module" ? "esm" : "cjs";
    const { program, error } = parseProgram(code, format);
    if (!program) {
      unparsed.push({ file, error });
      continue;
    }
    const uses = guardText ? countNetworkInterfaceUses(program) : { offsets: [], reexports: 0 };
    const builders = builderText ? countBuilders(program, file).offsets : [];
    if (uses.offsets.length + uses.reexports + builders.length > 0)
      files.set(file, { guard: linesAt(code, uses.offsets), reexports: uses.reexports, builders: linesAt(code, builders) });
  }
  return { files, excluded, unparsed, scanned: all.length };
}

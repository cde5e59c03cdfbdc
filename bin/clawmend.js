#!/usr/bin/env node
// Node's module compile cache (Node >= 22.1): the bundle's chunks and the packages they load are
// compiled once and read back as V8 code cache on later runs (docs/performance.md). It lives in
// the user's cache directory; NODE_COMPILE_CACHE chooses another, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import module from "node:module";
import { join } from "node:path";

if (!process.env.NODE_COMPILE_CACHE) {
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, ".cache") : "");
  module.enableCompileCache?.(base ? join(base, "clawmend", "node-compile-cache") : undefined);
}
const { main } = await import("../dist/bundle/cli.js");

process.exitCode = await main(process.argv.slice(2));

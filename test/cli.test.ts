import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runMain } from "./support/cli.js";

const version = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string }).version;

describe("clawpatch --version", () => {
  it.each([["--version"], ["-v"], ["patch", "--version"]])("%s prints the bare version and exits 0", async (...argv) => {
    const result = await runMain(argv, process.cwd());
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});

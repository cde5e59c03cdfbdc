/** The command line itself: version, help, and what it refuses (one line, the right exit code). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import { REPO } from "./support/paths.js";
import { tempDir } from "./support/tree.js";

const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

describe("clawmend", () => {
  it.each([["--version"], ["-v"], ["patch", "--version"]])("%s prints the bare version and exits 0", async (...argv) => {
    expect(await runCli(argv, { cwd: REPO })).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it.each(["patch", "revert", "rebuild", "doctor", "launcher"])("%s --help exits 0 and names its options", async (command) => {
    const r = await runCli([command, "--help"], { cwd: REPO });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`clawmend ${version}`);
    expect(r.stdout).toMatch(/--\w/);
  });

  it("no command: prints the help and exits 2", async () => {
    const r = await runCli([], { cwd: REPO });
    expect(r.code).toBe(2);
  });

  it.each([
    [["patch", "rt"], /^clawmend: unexpected argument "rt" for "patch" \(a directory goes in --root: clawmend patch --root rt\)$/],
    [["patch", "--verfy"], /^clawmend: unknown option --verfy for "patch"/],
    [["frobnicate"], /^clawmend: unknown command: frobnicate/],
    [["patch", "--verify", "--dry-run"], /^clawmend: --verify and --dry-run cannot be combined$/],
  ])("%j: one line on stderr, exit 2", async (argv, message) => {
    const cwd = tempDir();
    const r = await runCli(argv, { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

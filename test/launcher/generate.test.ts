import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateLauncher } from "../../src/launcher/generate.js";
import { launchScriptTemplate, preflightPython as PYTHON_HELPER } from "../../src/launcher/templates.generated.js";
import { shQuote, systemdArg, systemdCommand } from "../../src/launcher/quote.js";
import { writeLauncherFiles } from "../../src/launcher/write.js";
import { runSync } from "../support/run.js";
import { REPO, settingsFor, tempDir } from "./helpers.js";

const config = {
  toolCalling: { enabled: true, parser: "hermes" },
  launcher: { model: "/models/a b'c", servedModelName: "s", maxModelLen: 8192, extraArgs: ["--x=$(y)"] },
};

describe("generateLauncher", () => {
  it("is deterministic: the same settings give identical bytes, twice and through the writer", () => {
    const a = generateLauncher(settingsFor("/out", config));
    const b = generateLauncher(settingsFor("/out", config));
    expect(b).toEqual(a);
    const dirs = [tempDir(), tempDir()];
    for (const dir of dirs) writeLauncherFiles(dir, generateLauncher(settingsFor("/out", config)).files);
    for (const file of a.files) {
      const [x, y] = dirs.map((d) => readFileSync(join(d, file.path)));
      expect(x!.equals(y!)).toBe(true);
      expect(x!.toString("utf8")).toBe(file.content);
    }
    // no temp files left behind
    expect(readdirSync(dirs[0]!).sort()).toEqual([
      "INSTALL.md",
      "openclaw",
      "openclaw-gateway.service.d",
      "openclaw-vllm.service",
      "vllm-launch.sh",
    ]);
  });

  it("depends on its inputs (no hidden state)", () => {
    const a = generateLauncher(settingsFor("/out", config));
    const b = generateLauncher(settingsFor("/out", { ...config, toolCalling: { enabled: false, parser: "hermes" } }));
    expect(b.files[0]!.content).not.toBe(a.files[0]!.content);
    expect(b.files[2]!.content).toContain("OPENCLAW_VLLM_TOOLCALL=0");
    expect(a.files[2]!.content).toContain("OPENCLAW_VLLM_TOOLCALL=1");
  });

  it("the Python helper is static text bash never expands", () => {
    expect(PYTHON_HELPER).not.toMatch(/[$`']/);
    const script = generateLauncher(settingsFor("/out", config)).files[0]!.content;
    expect(script).toContain(`readonly PREFLIGHT_HELPER=${shQuote(PYTHON_HELPER)}`);
    // bash gives back exactly the helper text
    const echoed = runSync("bash", ["-c", `printf '%s' ${shQuote(PYTHON_HELPER)}`]);
    expect(echoed.stdout).toBe(PYTHON_HELPER);
  });
});

describe("the launcher's own files (src/launcher/templates/)", () => {
  const dir = join(REPO, "src", "launcher", "templates");
  it("the preflight's Python compiles", () => {
    const out = join(tempDir(), "preflight.pyc");
    const r = runSync("python3", [
      "-c",
      "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
      join(dir, "preflight.py"),
      out,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("the script template passes bash -n, and the generated script too", () => {
    expect(runSync("bash", ["-n", join(dir, "vllm-launch.sh")]).stderr).toBe("");
    const script = join(tempDir(), "vllm-launch.sh");
    writeFileSync(script, generateLauncher(settingsFor("/out", config)).files[0]!.content);
    const r = runSync("bash", ["-n", script]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("the generated modules embed these files byte for byte, every placeholder filled", () => {
    expect(PYTHON_HELPER).toBe(readFileSync(join(dir, "preflight.py"), "utf8"));
    expect(launchScriptTemplate).toBe(readFileSync(join(dir, "vllm-launch.sh"), "utf8"));
    expect(generateLauncher(settingsFor("/out", config)).files[0]!.content).not.toMatch(/@@[A-Z_]+@@/);
  });
});

describe("quoting", () => {
  const samples = ["plain", "", "a b", "it's", `"q"`, "$(touch x)", "`id`", "back\\slash", "new\nline", "%h %%", "*?[]{}", "-n", "ümlaut"];

  it("shQuote: bash reads back every string unchanged, expanding nothing", () => {
    const script = samples.map((s) => `printf '%s\\0' ${shQuote(s)}`).join("\n");
    const result = runSync("bash", ["-c", script]);
    expect(result.stdout.split("\0").slice(0, -1)).toEqual(samples);
  });

  it("systemd: % and $ escaped, quoted when needed", () => {
    expect(systemdArg("plain")).toBe("plain");
    expect(systemdArg("a b")).toBe('"a b"');
    expect(systemdArg("50%")).toBe("50%%");
    expect(systemdArg("$HOME")).toBe("$$HOME");
    expect(systemdArg(`a"b\\c`)).toBe('"a\\"b\\\\c"');
    expect(systemdArg("")).toBe('""');
    expect(systemdArg(";")).toBe('";"');
    expect(systemdCommand(["/a b/$x%", "$y"])).toBe('"/a b/$x%%" $$y');
    expect(() => systemdArg("a\nb")).toThrow(/control character/);
    expect(() => systemdCommand(["/it's/x"])).toThrow(/quote/);
  });
});

import type { DoctorReport } from "../doctor/doctor.js";
import { commandConfig } from "./config.js";
import type { CommandIO, CommandRegistrar } from "./io.js";

export interface DoctorFlags {
  root?: string;
  probe?: string;
  selfTest?: boolean;
  json?: boolean;
  config?: string;
  unitDir?: string | string[];
}

export const registerDoctor: CommandRegistrar = (cli, io, done) => {
  cli
    .command("doctor", "Say what really runs (openclaw on PATH, the gateway service) and whether it is patched")
    .option("--root <dir>", "Also check this runtime (an installed openclaw package)")
    .option("--probe <url>", "Ask this vLLM server (base URL) whether auto tool choice is enabled")
    .option(
      "--self-test",
      "With each runtime's own Node, build the request its next agent turn sends to every local provider of OpenClaw's config (nothing is sent)",
    )
    .option("--config <file>", "Config file (default: patches.config.ts in the current directory, else the built-in patches)")
    .option(
      "--unit-dir <dir>",
      "Read openclaw-gateway.service and its drop-ins from this directory instead of the systemd user unit path (repeatable)",
    )
    .option("--json", "Print one JSON document")
    .example("clawmend doctor")
    .example("clawmend doctor --root ~/.openclaw-runtime/openclaw --probe http://127.0.0.1:8001")
    .action((flags: DoctorFlags) => done(doctorCommand(flags, io)));
};

export async function doctorCommand(flags: DoctorFlags, io: CommandIO): Promise<number> {
  const { doctor } = await import("../doctor/doctor.js");
  const config = await commandConfig(io, flags.config);
  const unitDirs = (Array.isArray(flags.unitDir) ? flags.unitDir : flags.unitDir ? [flags.unitDir] : []).map(String);
  const report = await doctor({
    ...(flags.root ? { root: String(flags.root) } : {}),
    ...(flags.probe ? { probe: String(flags.probe) } : {}),
    ...(flags.selfTest ? { selfTest: true } : {}),
    ...(unitDirs.length ? { unitDirs } : {}),
    config,
    env: io.env,
    cwd: io.cwd,
  });
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else io.out(render(report, io));
  return report.exitCode;
}

function render(report: DoctorReport, io: CommandIO): string {
  const c = io.colors;
  const lines: string[] = [];
  lines.push(c.bold("What runs"));
  if (report.path.found) {
    const p = report.path;
    lines.push(
      `  PATH     ${p.path}${p.real && p.real !== p.path ? ` -> ${p.real}` : ""}${p.packageDir ? `  (package ${p.packageDir})` : ""}`,
    );
  } else lines.push("  PATH     no openclaw");
  const s = report.service;
  if (!s.systemdPresent) lines.push("  service  systemd not present");
  else if (s.source === "none") lines.push(`  service  no ${s.unit}`);
  else {
    lines.push(`  service  ${s.unit} (${s.source === "systemctl" ? "systemctl --user cat" : "unit files"}: ${s.files.join(", ")})`);
    lines.push(`           ExecStart=${s.execStart ?? "(none)"}${s.execStartFile ? `  [from ${s.execStartFile}]` : ""}`);
    if (s.executes?.packageDir) lines.push(`           executes ${s.executes.real ?? s.executes.path}  (package ${s.executes.packageDir})`);
  }
  for (const r of report.runtimes) {
    lines.push("");
    lines.push(
      `${c.bold(`openclaw@${r.version ?? "?"}`)} ${r.dir} ${c.dim(`[${r.sources.join(", ")}]`)} ${r.clean ? c.green("patched") : c.yellow("NOT patched")}`,
    );
    for (const copy of r.verify?.copies ?? []) {
      for (const p of copy.patches) {
        if (p.status === "not-applicable") continue;
        lines.push(
          `  ${p.patch.padEnd(18)} ${p.status.padEnd(16)} ${copy.package}@${copy.version}${copy.dir === "." ? "" : ` ${c.dim(copy.dir)}`}`,
        );
      }
    }
    for (const p of r.providers) {
      lines.push(
        `  resolves ${p.package}@${p.version ?? "?"} -> ${p.relDir && p.relDir !== "." ? p.relDir : p.dir} ${p.patched ? c.green("patched") : p.patches.every((x) => x.status === "not-applicable") ? c.dim("nothing to patch") : c.yellow("NOT patched")}`,
      );
    }
  }
  for (const l of report.launches) {
    lines.push("");
    lines.push(
      `${c.bold(l.source === "service" ? "service" : l.source === "path" ? "PATH" : "--root")} runs ${l.dir} with ${l.node.path} (${l.node.version ? `Node ${l.node.version}` : l.node.error})`,
    );
    const st = l.selfTest;
    if (!st) continue;
    lines.push(`  OpenClaw config ${st.openclawConfig.path}${st.openclawConfig.found ? "" : " (none)"}`);
    for (const m of st.modules)
      lines.push(`  ${m.ok ? c.green("loads") : c.red("fails")} ${m.entry} → ${m.specifier}${m.error ? ` (${m.error})` : ""}`);
    if (st.guard) {
      lines.push(
        `  network guard: a throwing os.networkInterfaces() gives ${JSON.stringify(st.guard.processWide)} (${st.guard.processWideLogged} NETWORK_ENUM_DEGRADED line)`,
      );
      for (const h of st.guard.helpers)
        lines.push(
          `  ${h.ok ? c.green("helper") : c.red("helper fails")} ${h.id} in ${h.file}: ${h.error ?? `returns ${JSON.stringify(h.value)}`}`,
        );
    }
    for (const p of st.providers) {
      const verdict =
        p.toolsReachWire === null
          ? c.red("not built")
          : p.toolsReachWire
            ? p.problem
              ? c.red("tools reach the wire")
              : c.yellow("tools reach the wire")
            : c.green("no tools on the wire");
      lines.push(`  ${p.id} ${p.baseUrl ?? ""} ${verdict}${p.gated ? ` (gated by ${p.gated})` : " (not gated)"}`);
    }
  }
  if (report.probe) {
    const p = report.probe;
    lines.push("");
    lines.push(
      `${c.bold("vLLM")} ${p.url}${p.model ? ` (model ${p.model})` : ""}: auto tool choice ${p.toolCalling}; config ${p.configToolCalling ? "enables" : "disables"} tool calling (${p.configSource})${p.gated ? "" : "; endpoint not gated"}`,
    );
  }
  lines.push("");
  for (const f of report.findings)
    lines.push(f.severity === "problem" ? `${c.red("problem")}: ${f.message}` : `${c.dim("note")}: ${f.message}`);
  const problems = report.findings.filter((f) => f.severity === "problem").length;
  lines.push(problems ? c.red(`${problems} problem${problems === 1 ? "" : "s"} found`) : c.green("all well"));
  return lines.join("\n");
}

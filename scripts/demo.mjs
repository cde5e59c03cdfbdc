// `npm run demo`: fetch a real published openclaw and pi-ai from the npm registry, lay them
// out the way a global install nests them, then verify (fails), dry-run (diff), patch,
// verify again (passes) and revert. Nothing outside .cache/demo is touched.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(repo, ".cache", "demo");
const bin = join(repo, "bin", "clawmend.js");
const packages = [
  { name: "openclaw", version: process.env.DEMO_OPENCLAW ?? "2026.2.26", into: "" },
  { name: "@mariozechner/pi-ai", version: process.env.DEMO_PI_AI ?? "0.55.1", into: "node_modules/@mariozechner/pi-ai" },
];

function step(text) {
  process.stdout.write(`\n\x1b[1m==> ${text}\x1b[0m\n`);
}

function fetchPackage({ name, version }) {
  const dir = join(cache, "packages", `${name.replace("/", "+")}@${version}`);
  if (existsSync(join(dir, "package.json"))) return dir;
  const tarballs = join(cache, "tarballs");
  mkdirSync(tarballs, { recursive: true });
  const file = execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", tarballs, "--silent"], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  execFileSync("tar", ["-xzf", join(tarballs, file), "-C", staging]);
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(staging, readdirSync(staging)[0]), dir);
  rmSync(staging, { recursive: true, force: true });
  return dir;
}

function clawmend(args) {
  process.stdout.write(`$ clawmend ${args.join(" ")}\n`);
  const result = spawnSync(process.execPath, [bin, ...args], {
    stdio: "inherit",
    env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0" },
  });
  process.stdout.write(`(exit ${result.status})\n`);
  return result.status;
}

step(`Fetching ${packages.map((p) => `${p.name}@${p.version}`).join(" and ")} with npm pack (cached in .cache/demo)`);
const root = join(cache, "run", "openclaw");
rmSync(join(cache, "run"), { recursive: true, force: true });
for (const pkg of packages) cpSync(fetchPackage(pkg), join(root, pkg.into), { recursive: true });
process.stdout.write(`copy to patch: ${root}\n`);

step("A pristine copy does not verify (exit 1)");
const before = clawmend(["patch", "--verify", "--root", root]);

step("What would change (unified diff, trimmed)");
const diff = spawnSync(process.execPath, [bin, "patch", "--dry-run", "--root", root], { encoding: "utf8" });
// Show the edits to existing files; the added overlay module is listed, not printed.
const shown = [];
let skipping = false;
for (const line of diff.stdout.split("\n")) {
  if (line.startsWith("--- ")) skipping = line === "--- /dev/null";
  if (line.startsWith("+++ ") && skipping) shown.push(`(new file) ${line.slice(6)}`);
  if (!skipping && /^(---|\+\+\+|@@|[-+])/.test(line)) shown.push(line.length > 160 ? `${line.slice(0, 160)}…` : line);
}
process.stdout.write(`${shown.slice(0, 80).join("\n")}\n${shown.length > 80 ? `… (${shown.length - 80} more lines)\n` : ""}`);

step("Patch it");
const patched = clawmend(["patch", "--root", root]);

step("Run it again: nothing left to do");
clawmend(["patch", "--root", root, "--quiet"]);

step("Verify (exit 0)");
const after = clawmend(["patch", "--verify", "--root", root]);

step("Revert restores every original byte");
clawmend(["revert", "--root", root]);

const ok = before === 1 && patched === 0 && after === 0;
process.stdout.write(`\n${ok ? "demo ok" : "demo FAILED"}: verify before=${before}, patch=${patched}, verify after=${after}\n`);
process.exitCode = ok ? 0 : 1;

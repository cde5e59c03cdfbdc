// `npm test`: the build, then the type check and the format check side by side, then both test
// projects (arguments go to vitest). While the checks run, the downloads the real-package tests
// wait for (test/support/prefetch.ts: the OpenClaw installs and their Node binaries) start in a
// child process of their own: the checks leave a core partly idle and the downloads wait on the
// registry. The test cache's locks make vitest's own prefetch wait for that child's entries.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

const build = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

// The real project runs unless the arguments pick only the unit one.
const projects = args.flatMap((arg, i) => (arg === "--project" ? [args[i + 1]] : arg.startsWith("--project=") ? [arg.slice(10)] : []));
const prefetchCode = `
import { createJiti } from "jiti";
const { prefetch } = await createJiti(import.meta.url).import(${JSON.stringify(join(root, "test", "support", "prefetch.ts"))});
await prefetch();
`;
// In a process group of its own, so that stopping it stops the npm installs it started too.
const prefetch =
  projects.length === 0 || projects.includes("real")
    ? spawn(process.execPath, ["--input-type=module", "-e", prefetchCode], {
        cwd: root,
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      })
    : null;
let prefetchErrors = "";
prefetch?.stderr.on("data", (chunk) => (prefetchErrors += chunk));
prefetch?.on("exit", (code) => {
  if (code) console.error(`prefetch: exit ${code} (the tests that need a download make it themselves)\n${prefetchErrors.trim()}`);
});
// Whatever `npm test` started stops with it: the checks and vitest get the signal it got
// (SIGTERM when it exits on its own, e.g. after a failed check), so that no check, test or
// OpenClaw a test started goes on running. A check runs in a process group of its own and is
// signalled as a group: npm passes a signal to its script's shell, which does not pass it on to
// tsc or prettier. The prefetch's group is killed: npm finishes what it is writing after a SIGTERM
// (an entry it did not finish is built again by the first test that needs it).
const running = new Map();
function track(child, { group = false } = {}) {
  running.set(child, group);
  child.on("exit", () => running.delete(child));
  return child;
}
function stop(child, group, signal) {
  try {
    if (group) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}
let stopWith = "SIGTERM";
process.on("exit", () => {
  for (const [child, group] of running) stop(child, group, stopWith);
  if (prefetch && prefetch.exitCode === null && prefetch.signalCode === null) stop(prefetch, true, "SIGKILL");
});
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  process.on(signal, () => {
    stopWith = signal;
    process.exit(code);
  });
}

/** Runs an npm script with its output held, printed whole when it ends. */
function check(script) {
  return new Promise((resolve) => {
    const child = track(spawn("npm", ["run", "--silent", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true }), {
      group: true,
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => {
      process.stdout.write(`\n> ${script}: ${code === 0 ? "ok" : `failed (exit ${code})`}\n${output}`);
      resolve(code === 0);
    });
  });
}

const passed = await Promise.all([check("typecheck"), check("format:check")]);
if (passed.includes(false)) process.exit(1);

const vitest = track(
  spawn(process.execPath, [join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...args], {
    cwd: root,
    stdio: "inherit",
  }),
);
vitest.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

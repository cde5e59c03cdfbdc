#!/usr/bin/env node
// How fast this machine's CPU is right now: the median of three runs of a fixed single-thread
// loop (integer arithmetic, then a JSON round trip of 300,000 small objects), in ms. Shared
// machines drift by ±20 % from minute to minute; print this before and after a timed run
// (`bash .ci/run`, `npm run bench`) so that runs made at different moments can be compared.
function once() {
  const start = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < 3e7; i++) x = (x * 31 + i) | 0;
  const objects = [];
  for (let i = 0; i < 2e6; i++) objects.push({ a: i, b: String(i) });
  JSON.parse(JSON.stringify(objects.slice(0, 3e5)));
  globalThis.cpuSpeedSink = x; // the loop's result escapes, so it cannot be dropped as dead code
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const runs = [once(), once(), once()].sort((a, b) => a - b);
console.log(`cpu-speed: ${Math.round(runs[1])} ms (runs: ${runs.map(Math.round).join(", ")}; lower is faster)`);

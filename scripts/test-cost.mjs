#!/usr/bin/env node
// Sums what `CLAWMEND_TEST_COST=FILE npx vitest run …` recorded (test/support/cost.ts): per test
// file, CPU seconds (the test process and its children) and wall seconds, most expensive first,
// the costliest tests, and when each file ran.
import { readFileSync } from "node:fs";

const [file, top = "15"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/test-cost.mjs FILE [N]   (FILE written with CLAWMEND_TEST_COST=FILE)");
  process.exit(2);
}
const lines = readFileSync(file, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const cpu = (l) => (l.self + l.children) / 1000;
const files = lines.filter((l) => l.test === "(file)").sort((a, b) => cpu(b) - cpu(a));
const tests = lines.filter((l) => l.test !== "(file)").sort((a, b) => cpu(b) - cpu(a));
const sum = (ls, f) => ls.reduce((n, l) => n + f(l), 0);
console.log(
  `${files.length} files: ${sum(files, cpu).toFixed(0)} CPU s, ${sum(files, (l) => l.wall / 1000).toFixed(0)} wall s (summed over workers)\n`,
);
console.log("| CPU s | wall s | in tests | in hooks | file |\n| ---: | ---: | ---: | ---: | --- |");
for (const f of files) {
  const own = sum(
    tests.filter((t) => t.file === f.file),
    cpu,
  );
  console.log(`| ${cpu(f).toFixed(1)} | ${(f.wall / 1000).toFixed(1)} | ${own.toFixed(1)} | ${(cpu(f) - own).toFixed(1)} | ${f.file} |`);
}
console.log(`\n| CPU s | wall s | test |\n| ---: | ---: | --- |`);
for (const t of tests.slice(0, Number(top))) console.log(`| ${cpu(t).toFixed(1)} | ${(t.wall / 1000).toFixed(1)} | ${t.file}: ${t.test} |`);

// When each file ran (records with `end`): seconds from the first file's start, in start order.
const timed = files.filter((f) => f.end !== undefined).map((f) => ({ ...f, start: f.end - f.wall }));
if (timed.length > 0) {
  const t0 = Math.min(...timed.map((f) => f.start));
  console.log(`\n| from s | to s | CPU s | file |\n| ---: | ---: | ---: | --- |`);
  for (const f of timed.sort((a, b) => a.start - b.start))
    console.log(`| ${((f.start - t0) / 1000).toFixed(0)} | ${((f.end - t0) / 1000).toFixed(0)} | ${cpu(f).toFixed(1)} | ${f.file} |`);
}

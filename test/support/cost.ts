/**
 * What each test costs, for deciding where the suite's time goes: with `CLAWMEND_TEST_COST=FILE`
 * set, vitest.config.ts loads this in every test file, and each test (and each file, hooks
 * included) appends one JSON line to FILE: when it ended (epoch ms), wall milliseconds, and CPU milliseconds of the test
 * process and of the child processes it waited for (their own children included once reaped),
 * from /proc (Linux). `node scripts/test-cost.mjs FILE` sums them up.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { afterAll, afterEach, beforeEach, expect } from "vitest";

const out = process.env.CLAWMEND_TEST_COST;

interface Mark {
  t: number;
  self: number;
  children: number;
}

/** utime, stime, cutime and cstime of this process, in ms (clock ticks of 10 ms). */
function mark(): Mark {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const ms = (i: number) => Number(fields[i]) * 10;
  return { t: Date.now(), self: ms(11) + ms(12), children: ms(13) + ms(14) };
}

function record(file: string, test: string, from: Mark): void {
  const now = mark();
  const line = { file, test, end: now.t, wall: now.t - from.t, self: now.self - from.self, children: now.children - from.children };
  appendFileSync(out!, `${JSON.stringify(line)}\n`);
}

// Run for each test file, also where files share a process (the unit project: no isolation).
if (out) {
  const fileStart = mark();
  let testStart = fileStart;
  let file = "?";
  let test = "";
  beforeEach((context) => {
    file = (expect.getState().testPath ?? "?").replace(/^.*?\/test\//, "test/");
    test = context.task.name;
    testStart = mark();
  });
  afterEach(() => record(file, test, testStart));
  afterAll(() => record(file, "(file)", fileStart));
}

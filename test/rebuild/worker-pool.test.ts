import { describe, expect, it } from "vitest";
import { ClawmendError, EXIT } from "../../src/core/errors.js";
import { WorkerPool } from "../../src/rebuild/worker-pool.js";

/**
 * A worker for the tests: each job is a number; it holds its thread for `job` ms (so jobs
 * overlap), then answers with which thread ran it. Job -1 is reported failed, -2 throws out
 * of the handler (the worker crashes), -3 exits the thread.
 */
const SCRIPT = `
const { parentPort, threadId } = require("node:worker_threads");
parentPort.on("message", (job) => {
  if (job === -1) return parentPort.postMessage({ ok: false, error: "job -1 refused" });
  if (job === -2) throw new Error("job -2 threw");
  if (job === -3) process.exit(7);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, job);
  parentPort.postMessage({ ok: true, value: { job, threadId } });
});
`;

interface Ran {
  job: number;
  threadId: number;
}

function pool(size: number, results: Ran[] = [], failures: string[] = []) {
  return new WorkerPool<number, Ran>({
    script: SCRIPT,
    workerData: null,
    size,
    onResult: (result) => results.push(result),
    failure: (detail) => {
      failures.push(detail);
      return ClawmendError.cannotApply(`test failed: ${detail}`);
    },
  });
}

/** Runs `work` with the pool closed after it, whatever happened. */
async function using<T>(p: WorkerPool<number, Ran>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await p.close();
  }
}

describe("WorkerPool", { timeout: 20_000 }, () => {
  it("spreads the jobs over its workers, never more than its size, and hands back every result", async () => {
    const results: Ran[] = [];
    const p = pool(3, results);
    await using(p, async () => {
      for (let job = 1; job <= 12; job++) p.submit(20 + job);
      await p.drain();
    });
    expect(results.map((r) => r.job).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => 21 + i));
    expect(p.started).toBe(3);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(3);
    expect(p.failure).toBeNull();
  });

  it("drains at once when given nothing, and takes jobs submitted while others run", async () => {
    const empty = pool(2);
    await using(empty, () => empty.drain());
    expect(empty.started).toBe(0);

    const results: Ran[] = [];
    const p = pool(2, results);
    await using(p, async () => {
      p.submit(30);
      await new Promise((r) => setTimeout(r, 5));
      p.submit(1);
      p.submit(1);
      await p.drain();
    });
    expect(results).toHaveLength(3);
  });

  for (const [job, detail] of [
    [-1, "job -1 refused"],
    [-2, "a worker crashed: job -2 threw"],
    [-3, "a worker exited with code 7"],
  ] as const) {
    it(`a failure (${detail}) settles the pool with one ClawmendError and sends nothing more`, async () => {
      const results: Ran[] = [];
      const failures: string[] = [];
      const p = pool(1, results, failures);
      const error = await using(p, async () => {
        p.submit(job);
        p.submit(1);
        p.submit(1);
        return p.drain().then(
          () => null,
          (e: unknown) => e,
        );
      });
      expect(error).toBeInstanceOf(ClawmendError);
      expect((error as ClawmendError).exitCode).toBe(EXIT.cannotApply);
      expect((error as ClawmendError).message).toBe(`test failed: ${detail}`);
      expect(failures).toEqual([detail]);
      expect(p.failure).toBe(error);
      expect(results).toEqual([]);
    });
  }

  it("a failure before drain is called still rejects it", async () => {
    const p = pool(1);
    await using(p, async () => {
      p.submit(-1);
      await new Promise<void>((r) => {
        const poll = () => (p.failure ? r() : setTimeout(poll, 2));
        poll();
      });
      await expect(p.drain()).rejects.toThrow("test failed: job -1 refused");
    });
  });
});

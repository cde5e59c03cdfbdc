import { Worker } from "node:worker_threads";
import type { ClawmendError } from "../core/errors.js";

/** What a pool's worker posts back for each job it was sent. */
export type WorkerReply<Result> = { ok: true; value: Result } | { ok: false; error: string };

export interface WorkerPoolOptions<Result> {
  /** The worker's code: CommonJS text, run with `eval` (a bundle from scripts/embed.mjs). */
  script: string;
  /** What every worker starts with (`workerData`). */
  workerData: unknown;
  /** The most workers at once; they start as jobs arrive. */
  size: number;
  /** Each job's result, in the main thread, in the order they come back. */
  onResult: (result: Result) => void;
  /** What the first failure becomes: `detail` is a failed job's message, or how a worker died. */
  failure: (detail: string) => ClawmendError;
}

/**
 * Worker threads fed from a queue: `submit` jobs as they come (each worker runs one job at a
 * time), `drain` when there are no more, `close` in the end whatever happened.
 *
 * The first failure (a job its worker reports failed, a worker that throws or exits) stops the
 * pool: nothing more is sent, `failure` says why, and `drain` rejects with that one error.
 */
export class WorkerPool<Job, Result> {
  private readonly queue: Job[] = [];
  /** Every worker started; the busy ones are those not `idle`. */
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private failed: ClawmendError | null = null;
  /** Set by `drain`: settled when the last job is back, or at the first failure. */
  private drained: { resolve: () => void; reject: (error: ClawmendError) => void } | null = null;
  /** Set by `close`: the workers are going away, their exits are not failures. */
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions<Result>) {}

  /** The first failure, if any (the job feeder checks it to stop early). */
  get failure(): ClawmendError | null {
    return this.failed;
  }

  /** How many workers were started. */
  get started(): number {
    return this.workers.length;
  }

  submit(job: Job): void {
    this.queue.push(job);
    this.dispatch();
  }

  /** Resolves when every job submitted is done; rejects with the first failure. */
  drain(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.drained = { resolve, reject };
      this.settle();
    });
  }

  /** Terminates every worker (jobs still queued are dropped). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Sends queued jobs to idle workers, starting workers up to `size`. */
  private dispatch(): void {
    while (this.queue.length > 0 && !this.failed && !this.closed) {
      const worker = this.idle.pop() ?? (this.workers.length < this.options.size ? this.start() : undefined);
      if (!worker) break;
      worker.postMessage(this.queue.shift());
    }
    this.settle();
  }

  /** Settles `drain`'s promise, once it is asked for: at the first failure, or with every job back (every worker idle). */
  private settle(): void {
    if (!this.drained) return;
    if (this.failed) this.drained.reject(this.failed);
    else if (this.queue.length === 0 && this.idle.length === this.workers.length) this.drained.resolve();
  }

  private fail(detail: string): void {
    this.failed ??= this.options.failure(detail);
    this.settle();
  }

  private start(): Worker {
    const worker = new Worker(this.options.script, { eval: true, workerData: this.options.workerData });
    this.workers.push(worker);
    worker.on("message", (reply: WorkerReply<Result>) => {
      if (!reply.ok) return this.fail(reply.error);
      this.options.onResult(reply.value);
      this.idle.push(worker);
      this.dispatch();
    });
    worker.on("error", (error: unknown) => this.fail(`a worker crashed: ${error instanceof Error ? error.message : String(error)}`));
    worker.on("exit", (code) => {
      if (!this.closed) this.fail(`a worker exited with code ${code}`);
    });
    return worker;
  }
}

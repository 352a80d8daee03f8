import type { Job, JobQueue } from './queue.ts';

/** Runs one job kind; resolves to the result to store, throws to fail the attempt. */
export type JobRunner = (job: Job, signal: AbortSignal) => Promise<unknown>;

export interface WorkerOptions {
  /** Jobs run at once (default 2: a scan is CPU-bound and this is often a small machine). */
  readonly concurrency?: number;
  /** How long a claim lasts without renewal; a dead worker's jobs are retried after it (default 60 s). */
  readonly leaseMs?: number;
  /** Wall-clock budget of one attempt (default 10 min). */
  readonly timeoutMs?: number;
  /** Polling interval when idle (default 1 s); an enqueue wakes the worker at once. */
  readonly pollMs?: number;
  readonly clock?: () => number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Called after every finished attempt (tests, webhooks, audit). */
  readonly onSettled?: (job: Job, outcome: 'succeeded' | 'queued' | 'failed') => void;
}

/** An in-process worker pool over the JobQueue: concurrency limit, lease renewal, per-attempt timeout. */
export class JobWorker {
  readonly #queue: JobQueue;
  readonly #runners: Readonly<Record<string, JobRunner>>;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  readonly #clock: () => number;
  readonly #options: WorkerOptions;
  readonly #running = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #filling = false;

  constructor(queue: JobQueue, runners: Readonly<Record<string, JobRunner>>, options: WorkerOptions = {}) {
    this.#queue = queue;
    this.#runners = runners;
    this.#concurrency = options.concurrency ?? 2;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#timeoutMs = options.timeoutMs ?? 600_000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#clock = options.clock ?? Date.now;
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  /** Looks for work now (called after an enqueue). */
  wake(): void {
    if (this.#stopped) return;
    void this.#fill();
  }

  async #fill(): Promise<void> {
    if (this.#filling) return;
    this.#filling = true;
    try {
      while (!this.#stopped && this.#running.size < this.#concurrency) {
        const job = await this.#queue.claim(this.#clock(), this.#leaseMs);
        if (job === undefined) break;
        const run = this.#run(job).finally(() => {
          this.#running.delete(run);
          this.wake();
        });
        this.#running.add(run);
      }
    } catch (error) {
      this.#options.log?.({ level: 'error', event: 'job-claim', error: String(error) });
    } finally {
      this.#filling = false;
    }
    if (!this.#stopped) {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.wake(), this.#pollMs);
      this.#timer.unref();
    }
  }

  async #run(job: Job): Promise<void> {
    const runner = this.#runners[job.kind];
    const controller = new AbortController();
    const timeout = setTimeout(
      () => controller.abort(new Error(`timed out after ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
    const renew = setInterval(
      () => {
        void this.#queue.renew(job.id, job.attempts, this.#clock(), this.#leaseMs).then((held) => {
          if (!held) controller.abort(new Error('lease lost'));
        });
      },
      Math.min(Math.max(10, this.#leaseMs / 3), 2 ** 31 - 1),
    );
    let outcome: 'succeeded' | 'queued' | 'failed' | undefined;
    try {
      if (runner === undefined) throw new Error(`no runner for job kind "${job.kind}"`);
      const result = await Promise.race([
        runner(job, controller.signal),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason));
        }),
      ]);
      if (await this.#queue.complete(job.id, job.attempts, result, this.#clock())) outcome = 'succeeded';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = await this.#queue.fail(job.id, job.attempts, message, this.#clock());
      this.#options.log?.({
        level: 'warn',
        event: 'job-failed',
        job: job.id,
        attempt: job.attempts,
        error: message,
      });
    } finally {
      clearTimeout(timeout);
      clearInterval(renew);
    }
    if (outcome !== undefined) this.#options.onSettled?.(job, outcome);
  }

  /** Stops claiming and waits for the jobs in hand (their leases lapse if the process dies instead). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#running]);
  }
}

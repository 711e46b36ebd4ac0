// Claims jobs from the database and runs up to `uploadConcurrency` of them at once, at most
// `uploadConcurrencyPerTenant` per tenant over every instance (the claim decides). A claimed job carries a lease
// that a heartbeat extends while it runs; if this process dies, the lease expires and any runner (after a
// restart, or another instance) claims the job again. Finishing is conditional on still holding the
// lease, so a job's outcome is written once.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Limits } from '../../config.ts';
import type { JobRecord } from '../../store/job-repository.ts';
import type { Store } from '../../store/store.ts';

/** What a running job gets from the runner: who holds the lease, and a signal raised if it is lost. */
export interface JobContext {
  readonly owner: string;
  readonly signal: AbortSignal;
}

/** The job's lease passed to another runner; this runner's work is discarded. */
export class LeaseLost extends Error {
  constructor() {
    super('the job lease was lost to another runner');
  }
}

class ShuttingDown extends Error {
  constructor() {
    super('the server is shutting down');
  }
}

export type JobHandler = (job: JobRecord, context: JobContext) => Promise<void>;

type RunnerLimits = Pick<Limits, 'jobLeaseMs' | 'jobPollIntervalMs' | 'uploadConcurrency' | 'uploadConcurrencyPerTenant'>;

export class JobRunner {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** The jobs in hand, by id: each with the controller that interrupts it and its end. */
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private wakeRequested = false;

  constructor(
    private readonly store: Store,
    private readonly handlers: Readonly<Record<string, JobHandler>>,
    private readonly limits: RunnerLimits,
    private readonly log: Pick<Logger, 'error' | 'warn' | 'info'>,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /** Look for work now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.wakeRequested) {
        this.wakeRequested = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.limits.jobPollIntervalMs);
        this.timer.unref();
      }
    });
  }

  /**
   * Stops claiming and interrupts the jobs in hand, giving them back to the queue so that the next runner
   * (after a restart, or another instance) starts it again at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const interrupt = () => {
      for (const { controller } of this.active.values()) controller.abort(new ShuttingDown());
    };
    interrupt();
    await this.running;
    interrupt(); // a claim that was under way when stop began
    await Promise.all([...this.active.values()].map((entry) => entry.done));
  }

  /** Claims jobs while a slot is free; each runs on its own and, when it ends, looks for more work. */
  private async drain(): Promise<void> {
    while (!this.stopped && this.active.size < this.limits.uploadConcurrency) {
      let job: JobRecord | undefined;
      try {
        job = await this.store.repositories.jobs.claim(this.owner, Date.now(), this.limits.jobLeaseMs, this.limits.uploadConcurrencyPerTenant);
      } catch (error) {
        this.log.error({ err: error }, 'claiming a job failed');
        return;
      }
      if (!job) return;
      const controller = new AbortController();
      const id = job.id;
      const done = this.runClaimed(job, controller).finally(() => {
        this.active.delete(id);
        this.wake();
      });
      this.active.set(id, { controller, done });
    }
  }

  private async runClaimed(job: JobRecord, controller: AbortController): Promise<void> {
    const heartbeat = setInterval(() => {
      this.store.repositories.jobs.heartbeat(job.id, this.owner, Date.now() + this.limits.jobLeaseMs).then(
        (ours) => {
          if (!ours) controller.abort(new LeaseLost());
        },
        (error: unknown) => this.log.warn({ err: error, jobId: job.id }, 'job heartbeat failed'),
      );
    }, Math.max(50, Math.floor(this.limits.jobLeaseMs / 3)));
    try {
      const handler = this.handlers[job.kind];
      if (!handler) throw new Error(`no handler for job kind '${job.kind}'`);
      await handler(job, { owner: this.owner, signal: controller.signal });
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.log.warn({ jobId: job.id }, 'job lease lost; another runner finishes it');
      } else if (controller.signal.reason instanceof ShuttingDown) {
        await this.store.repositories.jobs.release(job.id, this.owner).catch((releaseError: unknown) => {
          this.log.warn({ err: releaseError, jobId: job.id }, 'could not release the job; it is retried once its lease expires');
        });
        this.log.info({ jobId: job.id }, 'job interrupted by shutdown and put back in the queue');
      } else {
        this.log.error({ err: error, jobId: job.id, kind: job.kind }, 'job failed unexpectedly; it will be retried after its lease expires');
      }
    } finally {
      clearInterval(heartbeat);
    }
  }
}

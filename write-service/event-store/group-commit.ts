export interface GroupCommitOptions {
  /** Requests per batch at most. */
  maxBatch: number;
  /** Batches in flight at once at most. */
  maxInFlight: number;
  /** Requests waiting at most; one more is refused with GroupCommitFull (default: no bound). */
  maxQueued?: number;
}

/** The queue of a group commit is full: the database is not keeping up; shed the request. */
export class GroupCommitFull extends Error {
  constructor(readonly queued: number) {
    super(`${queued} appends already wait for the database`);
    this.name = 'GroupCommitFull';
  }
}

/** Runs one batch; resolves with one outcome per request, in order. */
export type BatchRunner<Request, Outcome> = (requests: Request[]) => Promise<Outcome[]>;

interface Pending<Request, Outcome> {
  request: Request;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: requests that arrive while `maxInFlight` batches are running wait and leave
 * together in the next batch (up to `maxBatch`). A request that finds a free slot leaves at
 * once, so a quiet system pays no delay; under load one transaction carries many requests.
 * A batch that fails as a whole rejects each of its requests with that error. Past `maxQueued`
 * waiting, a request is refused at once rather than queued without end.
 */
export class GroupCommit<Request, Outcome> {
  private readonly queue: Pending<Request, Outcome>[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: BatchRunner<Request, Outcome>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(request: Request): Promise<Outcome> {
    if (this.options.maxQueued !== undefined && this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new GroupCommitFull(this.queue.length));
    }
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.flush(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending<Request, Outcome>[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.run(batch.map((pending) => pending.request));
      if (outcomes.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${outcomes.length} outcomes`);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => pending.resolve(outcomes[index]!));
  }
}

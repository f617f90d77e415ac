import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Logger, Subjects } from '../../platform/index.js';
import { contextFromTraceparent, inSpanSync, SpanKind, tracingEnabled } from '../../platform/telemetry/index.js';
import type { CheckpointNotice, NoticeStampReply, ViewChange } from '../../schema/index.js';

/**
 * Why a follower must read its rows again: notices were missed (`gap`), or rows changed
 * unannounced and may have been numbered anew (`reset`: a new projection leader, a rebuild).
 */
export type Resync = 'gap' | 'reset';

/** A live subscriber: the changes of its key, and when to read again. */
export interface FeedListener {
  changed(change: ViewChange): void;
  resync(kind: Resync): void;
}

/** Something that keeps the whole view (the view cache): every change, and every checkpoint reached with none missed. */
export interface FeedObserver extends FeedListener {
  checkpointed(position: number): void;
}

/** The key that listens to every key of a view (e.g. sales of every region). */
export const ANY_KEY = '*';

/**
 * Everything one projection announces about one view, on one NATS subscription per subject
 * (the view's changes, the projection's checkpoints) however many follow it, routed in this
 * process to the listeners of each (tenant, key).
 *
 * Core NATS delivers at most once, so the feed checks the runner's notice stamps, starting from
 * the stamp the runner tells it when it starts: a sequence number skipped (lost on either
 * connection), a new epoch (a new leader), a reset (a rebuild), a first notice after a reconnect
 * or a slow-consumer drop all make every follower read again: the observers first (the view cache empties), so that the listeners then read fresh
 * rows, not cached ones. A checkpoint reaches observers only after that check, so a cache never
 * answers a token past a change it missed.
 *
 * One subscription for the cache and the subscribers is also what makes a subscriber's start
 * safe: once it listens (synchronously, in this process), every notice the cache has not read
 * yet reaches it too, so a current view answered from the cache cannot miss a change that
 * was already on its way.
 */
export class ViewFeed {
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private readonly observers = new Set<FeedObserver>();
  private readonly subscriptions: Subscription[] = [];
  private started: Promise<void> | undefined;
  /** The stamp of the last notice read: unknown (undefined) at first and after a reconnect. */
  private epoch: string | undefined;
  private seq = 0;
  /** While the runner is asked for its stamp: notices are not checked (the answer follows them). */
  private asking = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly options: { view: string; projection: string; logger: Logger },
  ) {}

  /** Subscribes, once; resolves when the server has the subscriptions, so that a read after it misses nothing. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriptions.push(
        this.nc.subscribe(this.subjects.view('*', this.options.view, '*'), {
          callback: (error, msg) => {
            if (!error) this.viewChanged(msg);
          },
        }),
        this.nc.subscribe(this.subjects.checkpoint(this.options.projection), {
          callback: (error, msg) => {
            if (!error) this.checkpointed(msg);
          },
        }),
      );
      void this.watchConnection();
      await this.nc.flush();
      await this.askStamp();
    })();
    return this.started;
  }

  /**
   * The stamp of the runner's last notice, from the runner itself, once the subscriptions are on
   * the server: the notices that follow must continue it. Without an answer (no runner leads
   * now), the first notice that arrives makes everyone read again instead.
   */
  private async askStamp(): Promise<void> {
    this.asking = true;
    try {
      const reply = await this.nc.request(this.subjects.noticeStamp(this.options.projection), undefined, { timeout: 1_000 });
      const stamp = reply.json<NoticeStampReply>();
      this.epoch = stamp.epoch;
      this.seq = stamp.seq;
    } catch {
      this.epoch = undefined;
    } finally {
      this.asking = false;
    }
  }

  stop(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
    this.subscriptions.length = 0;
    this.started = undefined;
  }

  /** The whole view: every change and checkpoint (the view cache). */
  observe(observer: FeedObserver): () => void {
    this.observers.add(observer);
    return () => {
      this.observers.delete(observer);
    };
  }

  /** The changes of one key (or ANY_KEY) of one tenant. */
  listen(tenant: string, key: string, listener: FeedListener): () => void {
    const topic = topicOf(tenant, key);
    let listeners = this.listeners.get(topic);
    if (!listeners) this.listeners.set(topic, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listeners.get(topic) === listeners) this.listeners.delete(topic);
    };
  }

  private viewChanged(msg: Msg): void {
    let change: ViewChange;
    try {
      change = msg.json<ViewChange>();
    } catch {
      return; // not ours: view subjects carry JSON from the projection runner only
    }
    this.stamped(change);
    for (const observer of this.observers) observer.changed(change);
    // Routed by the subject (`<ns>.view.<tenant>.<view>.<key>`), which names the tenant the runner published for.
    const tokens = msg.subject.split('.');
    const tenant = tokens[2] ?? '';
    const topics = [this.listeners.get(topicOf(tenant, tokens[4] ?? '')), this.listeners.get(topicOf(tenant, ANY_KEY))];
    const subscribers = (topics[0]?.size ?? 0) + (topics[1]?.size ?? 0);
    if (subscribers === 0) return;
    const push = () => {
      for (const listeners of topics) if (listeners) for (const listener of listeners) listener.changed(change);
    };
    this.options.logger.debug(
      { view: this.options.view, subscribers, correlationId: change.correlationId, position: change.position },
      'push',
    );
    if (!tracingEnabled() || !change.traceparent) return push();
    // The push continues the trace of the projection batch that made the change.
    const attributes = { 'cqrs.view': this.options.view, 'cqrs.subscribers': subscribers, 'cqrs.position': change.position };
    inSpanSync(
      `push ${this.options.view}`,
      { kind: SpanKind.PRODUCER, parent: contextFromTraceparent(change.traceparent), attributes },
      push,
    );
  }

  private checkpointed(msg: Msg): void {
    let notice: CheckpointNotice;
    try {
      notice = msg.json<CheckpointNotice>();
    } catch {
      return;
    }
    if (notice.epoch === undefined) {
      // A one-off sender (a rebuild's switch, a retried dead letter): not part of the runner's sequence.
      if (notice.reset) this.resync('reset', 'reset by a rebuild or a retry');
    } else {
      this.stamped(notice);
    }
    for (const observer of this.observers) observer.checkpointed(notice.position);
  }

  /** Checks a runner's notice against the last one; everyone reads again when something was missed. */
  private stamped(notice: { epoch?: string; seq?: number; reset?: boolean }): void {
    if (notice.epoch === undefined || notice.seq === undefined || this.asking) return;
    const known = this.epoch;
    const follows = notice.epoch === known && notice.seq === this.seq + 1;
    this.epoch = notice.epoch;
    this.seq = notice.seq;
    if (notice.reset || (known !== undefined && notice.epoch !== known)) this.resync('reset', 'new projection leader');
    else if (known === undefined) this.resync('gap', 'first notice since (re)connecting');
    else if (!follows) this.resync('gap', 'notices missed');
  }

  private resync(kind: Resync, why: string): void {
    const listeners = [...this.listeners.values()].reduce((count, set) => count + set.size, 0);
    if (listeners > 0) this.options.logger.info({ view: this.options.view, kind, why, listeners }, 'live views read again');
    for (const observer of this.observers) observer.resync(kind);
    for (const set of this.listeners.values()) for (const listener of set) listener.resync(kind);
  }

  /**
   * Anything that may have dropped notices on this side: the cache empties at once; the next
   * notice, with no known stamp to follow, makes everyone read again (by then the subscriptions
   * are back on the server).
   */
  private async watchConnection(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (!this.started) return;
      if (
        status.type === 'disconnect' ||
        status.type === 'reconnect' ||
        status.type === 'slowConsumer' ||
        status.type === 'staleConnection'
      ) {
        this.epoch = undefined;
        for (const observer of this.observers) observer.resync('gap');
      }
    }
  }
}

function topicOf(tenant: string, key: string): string {
  return `${tenant}\u0000${key}`;
}

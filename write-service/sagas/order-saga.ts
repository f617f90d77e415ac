import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { contiguousMessages, PULL_EXPIRES_MS, type Logger, type Subjects } from '../../platform/index.js';
import { type Orm, runAsLeader, sleep, type LeaderSession } from '../../platform/postgres/index.js';
import { type EventEnvelope, ORDER, type OrderCancelled, type OrderLineData, type OrderPlaced, upcast } from '../../schema/index.js';
import type { CommandHandler } from '../commands/command-handler.js';
import { INTERNAL_KEY_PREFIX } from '../commands/command-input.js';
import { orderAggregate } from '../commands/order-commands.js';
import type { WriteCommand } from '../registry.js';
import { decideOnReservationFailure, refusedByOrderStatus } from './order-saga-decisions.js';

export interface OrderSagaOptions {
  orm: Orm;
  databaseUrl: string;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  subjects: Subjects;
  handler: CommandHandler;
  logger: Logger;
  clock?: () => Date;
}

export const SAGA = 'order_saga';
/** How often the saga stores its position (a crash replays at most this much, idempotently). */
const POSITION_EVERY_MS = 100;

/**
 * The order saga (process manager): on OrderPlaced it reserves stock line by line, then confirms
 * the order, or rejects it and releases every partial reservation; on OrderCancelled it releases
 * the order's stock. It runs in one write-service replica (advisory lock), reads order events
 * from its own durable consumer, and moves its position only past steps that completed, so a
 * kill -9 resumes where it stopped (replaying at most the last POSITION_EVERY_MS of steps).
 * Every command it sends carries an idempotency key derived from the order, and products hold
 * at most one reservation per order, so a repeated step never reserves or releases twice.
 */
export function startOrderSaga(options: OrderSagaOptions): { stop(): Promise<void> } {
  return runAsLeader({
    databaseUrl: options.databaseUrl,
    lockName: `${options.subjects.stream}.saga.${SAGA}`,
    logger: options.logger,
    lead: (session, signal) => run(session, signal, options),
  });
}

async function run(session: LeaderSession, signal: AbortSignal, options: OrderSagaOptions): Promise<void> {
  const { js, jsm, subjects, orm } = options;
  const log = options.logger.child({ saga: SAGA });
  const em = orm.em.fork();
  await em.execute('insert into saga_checkpoints (saga, position) values (?, 0) on conflict do nothing', [SAGA], 'run');
  const rows = await em.execute<{ position: string }[]>('select position from saga_checkpoints where saga = ?', [SAGA]);
  const position = Number(rows[0]?.position ?? 0);
  const durable = subjects.consumer(SAGA);
  const stopped = new AbortController();
  const stop = () => stopped.abort();
  signal.addEventListener('abort', stop);
  void session.lost.then(stop);
  if (signal.aborted) stop(); // stopped while it was getting ready
  // Recreated at the stored position on taking the lead, and after the last message handled
  // whenever a delivery went missing (a NATS reconnect): an OrderPlaced lost in flight would
  // otherwise be acknowledged with the messages after it and its order stay PENDING.
  const messages = contiguousMessages({
    nc: options.nc,
    after: position,
    signal: stopped.signal,
    logger: log,
    open: async (from) => {
      await jsm.consumers.delete(subjects.stream, durable).catch(() => undefined);
      await jsm.consumers.add(subjects.stream, {
        durable_name: durable,
        // All: one acknowledgement stands for every message before it (see storePosition).
        ack_policy: AckPolicy.All,
        filter_subject: subjects.event('*', ORDER, '*'),
        ack_wait: nanos(60_000),
        max_deliver: -1,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: from,
      });
      return (await js.consumers.get(subjects.stream, durable)).consume({ max_messages: 100, expires: PULL_EXPIRES_MS });
    },
  });
  // The position is stored (and the handled messages acknowledged, all at once) every
  // POSITION_EVERY_MS rather than after each message: a step is idempotent, so a kill -9
  // replays at most that much, and under load one statement stands for many messages.
  let handled: JsMsg | undefined;
  let stored = position;
  let storing: Promise<void> = Promise.resolve();
  const storePosition = () => {
    const msg = handled;
    if (!msg || msg.seq <= stored) return storing;
    storing = storing
      .then(async () => {
        await orm.em
          .fork()
          .execute(
            'update saga_checkpoints set position = ?, updated_at = now() where saga = ? and position < ?',
            [msg.seq, SAGA, msg.seq],
            'run',
          );
        stored = Math.max(stored, msg.seq);
        msg.ack();
      })
      .catch((error: unknown) => log.warn({ err: error }, 'saga position not stored; trying again'));
    return storing;
  };
  const timer = setInterval(() => void storePosition(), POSITION_EVERY_MS);
  try {
    for await (const msg of messages) {
      const event = upcast(msg.json<EventEnvelope>());
      for (let attempt = 1; ; attempt += 1) {
        try {
          await handle(event, options);
          break;
        } catch (error) {
          if (stopped.signal.aborted) return;
          // A step failed for a reason that is not a business outcome (database or broker trouble):
          // retry, never skip, or the order would stay PENDING with stock held.
          log.warn({ err: error, eventId: event.eventId, attempt }, 'saga step failed; retrying');
          await sleep(Math.min(100 * 2 ** attempt, 5000), stopped.signal);
        }
      }
      handled = msg;
    }
  } finally {
    clearInterval(timer);
    await storePosition();
    signal.removeEventListener('abort', stop);
    stopped.abort();
  }
}

async function handle(event: EventEnvelope, options: OrderSagaOptions): Promise<void> {
  if (event.type === 'OrderPlaced') await place(event as EventEnvelope & OrderPlaced, options);
  if (event.type === 'OrderCancelled') {
    const { orderId, lines } = (event as EventEnvelope & OrderCancelled).data;
    await releaseAll(event, orderId, lines, options);
  }
}

async function place(event: EventEnvelope & OrderPlaced, options: OrderSagaOptions): Promise<void> {
  const { orderId, lines } = event.data;
  const order = await options.handler.state(event.tenant)(orderAggregate, orderId);
  if (order.status === 'REJECTED' || order.status === 'CANCELLED') return releaseAll(event, orderId, lines, options);
  if (order.status !== 'PENDING') return; // already confirmed (and beyond) by an earlier run
  const now = () => (options.clock?.() ?? new Date()).toISOString();
  for (const { productId, quantity } of lines) {
    try {
      await step(event, `reserve:${productId}`, { type: 'ReserveStock', productId, orderId, quantity, now: now() }, options);
    } catch (error) {
      const rejection = decideOnReservationFailure(error, productId);
      if (!rejection) throw error;
      await step(event, 'reject', { type: 'RejectOrder', orderId, ...rejection, now: now() }, options).catch((rejectError: unknown) => {
        if (!refusedByOrderStatus(rejectError)) throw rejectError;
      });
      return releaseAll(event, orderId, lines, options);
    }
  }
  try {
    await step(event, 'confirm', { type: 'ConfirmOrder', orderId, now: now() }, options);
  } catch (error) {
    if (!refusedByOrderStatus(error)) throw error;
    await releaseAll(event, orderId, lines, options); // cancelled while its stock was being reserved
  }
}

async function releaseAll(
  event: EventEnvelope,
  orderId: string,
  lines: readonly OrderLineData[],
  options: OrderSagaOptions,
): Promise<void> {
  for (const { productId } of lines) {
    const now = (options.clock?.() ?? new Date()).toISOString();
    await step(event, `release:${productId}`, { type: 'ReleaseStock', productId, orderId, now }, options);
  }
}

/** A step of the order's saga, with the key that makes it happen once (`saga:<orderId>:<step>`). */
function step(event: EventEnvelope, key: string, command: WriteCommand, options: OrderSagaOptions) {
  const orderId = (event.data as { orderId: string }).orderId;
  return options.handler.execute(command, {
    tenant: event.tenant,
    userId: `${INTERNAL_KEY_PREFIX}${SAGA}`,
    correlationId: event.metadata.correlationId,
    idempotencyKey: `${INTERNAL_KEY_PREFIX}${orderId}:${key}`,
  });
}

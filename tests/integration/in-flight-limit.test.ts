import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../platform/logger.js';
import { InFlightLimit, request, serve } from '../../platform/messaging.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { AppError, ErrorCode } from '../../schema/errors.js';
import { uniqueNamespace } from '../support/namespace.js';

describe('a service sheds load past its requests in flight', () => {
  let nc: NatsConnection;
  const logger = createLogger('in-flight-test', 'silent');
  before(async () => {
    nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'in-flight-test', logger);
  });
  after(async () => {
    await nc?.drain();
  });

  it('in flight - past the limit over all endpoints, requests are answered SERVICE_UNAVAILABLE at once; the ones taken finish; then it takes requests again', async () => {
    const subject = `${uniqueNamespace('inflight')}.query`;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const limit = new InFlightLimit(2);
    const outcomes: string[] = [];
    const stops = ['a', 'b'].map((name) =>
      serve(nc, {
        subject: `${subject}.${name}`,
        queue: 'q',
        logger,
        limit,
        observe: (outcome) => outcomes.push(outcome),
        handler: async () => {
          await gate;
          return 'done';
        },
      }),
    );
    await nc.flush();
    try {
      const ask = (name: string) =>
        request<string>(nc, `${subject}.${name}`, {}, { timeoutMs: 5_000, service: 'test' }).catch((error: unknown) =>
          error instanceof AppError ? error.code : String(error),
        );
      const first = [ask('a'), ask('b')];
      await nc.flush();
      const shed = await Promise.all([ask('a'), ask('b'), ask('a')]);
      assert.deepEqual(
        shed,
        [ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SERVICE_UNAVAILABLE],
        'answered while the first two still run',
      );
      release();
      assert.deepEqual(await Promise.all(first), ['done', 'done']);
      assert.equal(await ask('b'), 'done');
      assert.equal(limit.current, 0);
      assert.deepEqual(outcomes.filter((o) => o === ErrorCode.SERVICE_UNAVAILABLE).length, 3);
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
  });
});

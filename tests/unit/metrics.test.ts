import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics, type ProjectionLag } from '../../platform/metrics.js';

/** The exposition's lines for `name` (its samples). */
async function lines(metrics: Metrics, name: string): Promise<string[]> {
  return (await metrics.expose()).body.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describe('metrics - Metrics', () => {
  it("a part's metrics are exposed only by the process that runs it, once it says so", async () => {
    const metrics = new Metrics('gateway');
    const before = (await metrics.expose()).body;
    for (const name of [
      'cqrs_outbox_backlog_events',
      'cqrs_eventbus_publish_duration_seconds',
      'cqrs_projection_lag_events',
      'cqrs_subscriptions_active',
    ]) {
      assert.doesNotMatch(before, new RegExp(`^${name}`, 'm'), name);
    }
    metrics.trackSubscriptions();
    metrics.trackViewCache();
    assert.deepEqual(await lines(metrics, 'cqrs_subscriptions_active'), ['cqrs_subscriptions_active{service="gateway"} 0']);
    assert.deepEqual(await lines(metrics, 'cqrs_view_cache_requests_total'), [
      'cqrs_view_cache_requests_total{result="hit",service="gateway"} 0',
      'cqrs_view_cache_requests_total{result="miss",service="gateway"} 0',
    ]);
    metrics.trackSubscriptions(); // twice is once
    assert.equal((await lines(metrics, 'cqrs_subscriptions_active')).length, 1);
  });

  it('histograms have buckets from a tenth of a millisecond to ten seconds', async () => {
    const metrics = new Metrics('write-service');
    metrics.trackOutbox(async () => 0);
    metrics.publishDuration.observe(0.00007);
    const buckets = await lines(metrics, 'cqrs_eventbus_publish_duration_seconds_bucket');
    assert.match(buckets[0]!, /le="0\.0001",service="write-service"\} 1$/);
    assert.match(buckets.at(-2)!, /le="10",/);
    assert.match(buckets.at(-1)!, /le="\+Inf",/);
  });

  it('a scrape-time reading that fails is NaN, and the scrape still answers', async () => {
    const metrics = new Metrics('write-service');
    metrics.trackOutbox(async () => 7);
    metrics.trackSaga(() => Promise.reject(new Error('consumer not found')));
    assert.deepEqual(await lines(metrics, 'cqrs_outbox_backlog_events'), ['cqrs_outbox_backlog_events{service="write-service"} 7']);
    // prom-client writes NaN as "Nan", which Prometheus reads (case-insensitively) as NaN.
    assert.deepEqual(await lines(metrics, 'cqrs_saga_backlog_events'), ['cqrs_saga_backlog_events{service="write-service"} Nan']);
    assert.equal((await lines(metrics, 'process_resident_memory_bytes')).length, 1);
  });

  it('both lag gauges of one scrape share one reading; when it fails, NaN for every projection last seen', async () => {
    const metrics = new Metrics('read-service');
    let reads = 0;
    let answer: () => Promise<ProjectionLag[]> = async () => [
      { projection: 'product_view', events: 3, seconds: 1.5 },
      { projection: 'order_view', events: 0, seconds: 0 },
    ];
    metrics.trackProjections(() => {
      reads += 1;
      return answer();
    });
    const body = (await metrics.expose()).body;
    assert.equal(reads, 1);
    assert.match(body, /^cqrs_projection_lag_events\{projection="product_view",service="read-service"\} 3$/m);
    assert.match(body, /^cqrs_projection_lag_seconds\{projection="product_view",service="read-service"\} 1\.5$/m);
    assert.match(body, /^cqrs_projection_lag_events\{projection="order_view",service="read-service"\} 0$/m);

    answer = () => Promise.reject(new Error('NATS is away'));
    assert.deepEqual(await lines(metrics, 'cqrs_projection_lag_events'), [
      'cqrs_projection_lag_events{projection="product_view",service="read-service"} Nan',
      'cqrs_projection_lag_events{projection="order_view",service="read-service"} Nan',
    ]);
    assert.equal((await lines(metrics, 'cqrs_projection_lag_seconds')).length, 2);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '../../platform/logger.js';
import { encodeJson } from '../../platform/messaging.js';
import { connectNats, type NatsConnection } from '../../platform/nats.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { encodeConsistencyToken } from '../../schema/consistency-token.js';
import type { CheckpointNotice, ViewChange } from '../../schema/views/view-change.js';
import { ANY_KEY, ViewHub, watchView } from '../../gateway/subscriptions/index.js';
import { ViewCache } from '../../gateway/view-cache/view-cache.js';
import { uniqueNamespace } from '../support/namespace.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

interface Row {
  id: string;
  title: string;
  version: number;
  revision: number;
}

const TENANT = 'acme';
const VIEW = 'product';
const PROJECTION = 'product_view';

/**
 * What a projection runner sends, on the wire: each change of a batch, then its checkpoint,
 * every notice stamped with the runner's epoch (one per leadership) and its place among them.
 */
class Announcer {
  private readonly epoch = randomUUID().slice(0, 8);
  private seq = 0;
  position = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
  ) {}

  /** A new leader's first notice. */
  start(): void {
    this.nc.publish(
      this.subjects.checkpoint(PROJECTION),
      encodeJson({
        projection: PROJECTION,
        position: this.position,
        reset: true,
        epoch: this.epoch,
        seq: ++this.seq,
      } satisfies CheckpointNotice),
    );
  }

  announce(rows: Row[]): number {
    this.position += 1;
    for (const row of rows) {
      this.nc.publish(
        this.subjects.view(TENANT, VIEW, row.id),
        encodeJson({
          tenant: TENANT,
          view: VIEW,
          key: row.id,
          version: row.revision,
          position: this.position,
          data: row,
          projection: PROJECTION,
          epoch: this.epoch,
          seq: ++this.seq,
        } satisfies ViewChange<Row>),
      );
    }
    this.nc.publish(
      this.subjects.checkpoint(PROJECTION),
      encodeJson({ projection: PROJECTION, position: this.position, epoch: this.epoch, seq: ++this.seq } satisfies CheckpointNotice),
    );
    return this.position;
  }
}

/**
 * Core NATS notices are at most once: the gateway's view cache and every live subscriber must
 * notice a lost one and read again, and a subscriber must not miss a change at its start
 * (issue 11, defects 3, 4, 5).
 */
describe('live views and the view cache when notices go missing', () => {
  let proxy: TcpProxy;
  let gatewayProxy: TcpProxy;
  let gateway: NatsConnection;
  let readSide: NatsConnection;
  let subjects: Subjects;
  let hub: ViewHub;
  let cache: ViewCache<Row>;
  let runner: Announcer;
  /** The read model: what the read-service answers now. */
  const stored = new Map<string, Row>();
  let fetches = 0;
  const logger = createLogger('live-notices-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const fetch = async (ids: string[]) => {
    fetches += 1;
    return ids.map((id) => stored.get(id) ?? null);
  };
  const load = (id: string, token?: number) =>
    cache.load(TENANT, [id], token === undefined ? undefined : encodeConsistencyToken(token), fetch).then(([row]) => row ?? null);

  before(async () => {
    proxy = await TcpProxy.start({ port: 4222 });
    gatewayProxy = await TcpProxy.start({ port: 4222 });
  });
  after(async () => {
    await proxy?.stop();
    await gatewayProxy?.stop();
  });

  beforeEach(async () => {
    subjects = subjectsFor(uniqueNamespace('notices'));
    gateway = await connectNats(gatewayProxy.url(), 'live-notices-gateway', logger);
    readSide = await connectNats(proxy.url(), 'live-notices-read-side', logger);
    hub = new ViewHub(gateway, subjects, logger);
    cache = new ViewCache<Row>(hub.feed(VIEW));
    await cache.start();
    runner = new Announcer(readSide, subjects);
    stored.clear();
    fetches = 0;
  });
  afterEach(async () => {
    cache.stop();
    hub.stop();
    await gateway.close();
    await readSide.close();
    proxy.heal();
    gatewayProxy.heal();
  });

  const row = (id: string, revision: number, title = `r${revision}`): Row => ({ id, title, version: revision, revision });
  const put = (value: Row) => {
    stored.set(value.id, value);
    return value;
  };

  /** A live subscriber as a resolver makes one: the current view through the cache, then changes. */
  async function watch(id: string): Promise<{ values: Row[]; stop(): void }> {
    const iterable = await watchView<Row>({ hub, tenant: TENANT, view: VIEW, key: id, loadCurrent: () => load(id) });
    const iterator = iterable[Symbol.asyncIterator]();
    const values: Row[] = [];
    void (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        values.push(next.value);
      }
    })();
    return { values, stop: () => void iterator.return?.() };
  }

  /** A subscriber of a row announced at `revision`, once it shows it; stopped after `body`. */
  async function watching(id: string, revision: number, body: (subscriber: { values: Row[] }) => Promise<void>): Promise<void> {
    runner.announce([put(row(id, revision))]);
    await readSide.flush();
    const subscriber = await watch(id);
    try {
      await waitFor(() => subscriber.values.at(-1)?.revision === revision, { what: 'the current view' });
      await body(subscriber);
    } finally {
      subscriber.stop();
    }
  }

  /** The publisher's bytes are lost while `publish` runs, then its connection is cut and comes back. */
  async function lostOnTheReadSide(publish: () => void): Promise<void> {
    proxy.blackhole('toServer');
    publish();
    await new Promise((resolve) => setTimeout(resolve, 200)); // the notices are written into the black hole
    const reconnected = (async () => {
      for await (const status of readSide.status()) if (status.type === 'reconnect') return;
    })();
    proxy.cut();
    proxy.heal();
    await reconnected;
  }

  it("cache - a change lost on the read side's connection, then a later checkpoint delivered: a token at the lost change is not answered with the old row", async () => {
    const id = randomUUID();
    const other = randomUUID();
    runner.announce([put(row(other, 1))]);
    await readSide.flush();
    put(row(id, 1));
    assert.equal((await load(id))?.revision, 1);
    let lost = 0;
    await lostOnTheReadSide(() => {
      lost = runner.announce([put(row(id, 2))]);
    });
    const later = runner.announce([put(row(other, 2))]);
    await readSide.flush();
    // Once the cache has seen the later checkpoint it answers tokens up to it without asking.
    await waitFor(
      async () => {
        const before = fetches;
        await load(other, later);
        return fetches === before;
      },
      { what: 'the cache to reach the later checkpoint' },
    );
    assert.equal((await load(id, lost))?.revision, 2, 'the row as of the token, not the one cached before the lost change');
  });

  it('subscription - a change routed before it starts and read by the cache after the cache answered it still reaches the subscriber', async () => {
    const id = randomUUID();
    runner.announce([put(row(id, 1))]);
    await readSide.flush();
    await waitFor(async () => (await load(id))?.revision === 1, { what: 'revision 1 in the cache' });
    // The server routes the change to the gateway at once; the gateway reads it 300 ms later,
    // after the subscription below has started and the cache has answered it.
    gatewayProxy.delay(300, 'toClient');
    runner.announce([put(row(id, 2))]);
    await readSide.flush();
    const subscriber = await watch(id);
    try {
      await waitFor(() => subscriber.values.at(-1)?.revision === 2, {
        what: `revision 2 to reach the subscriber (got ${JSON.stringify(subscriber.values.map((v) => v.revision))})`,
      });
    } finally {
      subscriber.stop();
    }
  });

  it("subscription - a change lost on the read side's connection: the next notice reveals the gap and the subscriber reads the current view", async () => {
    const id = randomUUID();
    await watching(id, 1, async (subscriber) => {
      await lostOnTheReadSide(() => runner.announce([put(row(id, 2, 'renamed'))]));
      runner.announce([put(row(randomUUID(), 1))]); // a change of another row
      await readSide.flush();
      await waitFor(() => subscriber.values.at(-1)?.revision === 2, { what: 'the lost change, read again' });
      assert.equal(subscriber.values.at(-1)?.title, 'renamed');
      assert.deepEqual(
        subscriber.values.map((v) => v.revision),
        [1, 2],
        'never an older revision after a newer one',
      );
    });
  });

  it("subscription - a change lost on the gateway's own connection (server bytes lost, then cut): the first notice after the reconnect makes it read again", async () => {
    const id = randomUUID();
    await watching(id, 1, async (subscriber) => {
      const reconnected = (async () => {
        for await (const status of gateway.status()) if (status.type === 'reconnect') return;
      })();
      gatewayProxy.blackhole('toClient');
      runner.announce([put(row(id, 2))]);
      await readSide.flush();
      await new Promise((resolve) => setTimeout(resolve, 200)); // the change is delivered into the black hole
      gatewayProxy.cut();
      gatewayProxy.heal();
      await reconnected;
      runner.announce([]); // the next notice: a checkpoint (a quiet runner sends one every second)
      await readSide.flush();
      await waitFor(() => subscriber.values.at(-1)?.revision === 2, { what: 'the lost change, read again' });
      assert.equal((await load(id))?.revision, 2, 'and the cache holds no stale row');
    });
  });

  it("subscription - a runner killed between commit and announce: its successor's first notice makes subscribers read again", async () => {
    const id = randomUUID();
    await watching(id, 1, async (subscriber) => {
      put(row(id, 2)); // committed; the runner died before announcing it
      const successor = new Announcer(readSide, subjects);
      successor.position = runner.position + 1;
      successor.start();
      await readSide.flush();
      await waitFor(() => subscriber.values.at(-1)?.revision === 2, { what: 'the unannounced change, read again' });
    });
  });

  it("subscription - a rebuild that numbers a row's revisions lower does not make the subscriber drop the changes after it", async () => {
    const id = randomUUID();
    await watching(id, 5, async (subscriber) => {
      put(row(id, 3, 'r5')); // rebuilt: same content, revision 3
      readSide.publish(
        subjects.checkpoint(PROJECTION),
        encodeJson({ projection: PROJECTION, position: runner.position, reset: true } satisfies CheckpointNotice),
      );
      runner.announce([put(row(id, 4, 'after the rebuild'))]);
      await readSide.flush();
      await waitFor(() => subscriber.values.at(-1)?.title === 'after the rebuild', { what: 'the change after the rebuild' });
    });
  });

  it('subscription - more rows change while it loads than it holds: it reads them all again instead of holding them', async () => {
    const marker = randomUUID();
    runner.announce([put(row(marker, 1))]);
    await readSide.flush();
    await load(marker); // cached: once a token at the last position needs no fetch, every change has arrived
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const rows = Array.from({ length: 300 }, () => randomUUID());
    let reloads = 0;
    const subscribing = watchView<Row>({
      hub,
      tenant: TENANT,
      view: VIEW,
      key: ANY_KEY,
      rowOf: (value) => value.id,
      loadCurrent: async () => {
        await gate;
        return null;
      },
      reload: async () => {
        reloads += 1;
        return rows.map((id) => stored.get(id)!);
      },
    });
    for (let from = 0; from < rows.length; from += 100) runner.announce(rows.slice(from, from + 100).map((id) => put(row(id, 1))));
    await readSide.flush();
    await waitFor(
      async () => {
        const before = fetches;
        await load(marker, runner.position);
        return fetches === before;
      },
      { what: 'every change to reach the gateway' },
    );
    release();
    const iterator = (await subscribing)[Symbol.asyncIterator]();
    const seen = new Set<string>();
    try {
      while (seen.size < rows.length) seen.add((await iterator.next()).value!.id);
      assert.equal(reloads, 1, 'read again once, after the load');
    } finally {
      await iterator.return?.();
    }
  });
});

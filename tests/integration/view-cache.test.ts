import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson } from '../../platform/messaging.js';
import { subjectsFor, type Subjects } from '../../platform/subjects.js';
import { encodeConsistencyToken } from '../../schema/consistency-token.js';
import { ViewHub } from '../../gateway/subscriptions/index.js';
import { ViewCache } from '../../gateway/view-cache/view-cache.js';
import { uniqueNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

interface Row {
  id: string;
  title: string;
  revision: number;
}

const ID = '6f1c2d3e-0000-4000-8000-000000000001';
const row = (revision: number, title = `r${revision}`): Row => ({ id: ID, title, revision });

describe('view cache - a near cache kept current by view and checkpoint notices', () => {
  let nc: NatsConnection;
  let subjects: Subjects;
  let hub: ViewHub;
  let cache: ViewCache<Row>;
  let fetches: string[][];
  /** The read-service's answer for the next fetch. */
  let stored: Row | null;
  const fetch = async (ids: string[]) => {
    fetches.push(ids);
    return ids.map(() => stored);
  };
  const announce = async (revision: number, position: number, tenant = 'acme') => {
    nc.publish(
      subjects.view(tenant, 'product', ID),
      encodeJson({ tenant, view: 'product', key: ID, version: revision, position, data: row(revision) }),
    );
    nc.publish(subjects.checkpoint('product_view'), encodeJson({ projection: 'product_view', position }));
    await nc.flush();
  };

  before(async () => {
    nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  });
  after(async () => {
    await nc.close();
  });
  beforeEach(async () => {
    subjects = subjectsFor(uniqueNamespace('viewcache'));
    hub = new ViewHub(nc, subjects);
    cache = new ViewCache<Row>(hub.feed('product'), { capacity: 2 });
    await cache.start();
    fetches = [];
    stored = row(1);
  });
  afterEach(() => {
    cache.stop();
    hub.stop();
  });

  it('a miss is fetched once, then answered from memory; another tenant has its own rows', async () => {
    assert.deepEqual(await cache.load('acme', [ID], undefined, fetch), [row(1)]);
    assert.deepEqual(await cache.load('acme', [ID], undefined, fetch), [row(1)]);
    assert.equal(fetches.length, 1);
    stored = null;
    assert.deepEqual(await cache.load('other', [ID], undefined, fetch), [null]);
    assert.equal(fetches.length, 2);
  });

  it('an announced change replaces the cached row; an older one does not', async () => {
    await cache.load('acme', [ID], undefined, fetch);
    await announce(3, 10);
    await waitFor(async () => (await cache.load('acme', [ID], undefined, fetch))[0]?.revision === 3, { what: 'revision 3 in the cache' });
    await announce(2, 11);
    assert.equal((await cache.load('acme', [ID], undefined, fetch))[0]?.revision, 3);
    assert.equal(fetches.length, 1);
  });

  it('a change announced while the row is being fetched wins over the older row fetched', async () => {
    let release!: () => void;
    const slowFetch = async (ids: string[]) => {
      fetches.push(ids);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return [row(1)];
    };
    const loading = cache.load('acme', [ID], undefined, slowFetch);
    await announce(2, 5); // delivered back to this connection before its flush returns
    release();
    assert.equal((await loading)[0]?.revision, 2);
    assert.equal((await cache.load('acme', [ID], undefined, fetch))[0]?.revision, 2, 'the newer row is what was cached');
  });

  it('concurrent misses of one row share one fetch; a load with a token above the checkpoint seen fetches on its own', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowFetch = async (ids: string[]) => {
      fetches.push(ids);
      await gate;
      return ids.map(() => row(1));
    };
    const loads = Array.from({ length: 20 }, () => cache.load('acme', [ID], undefined, slowFetch));
    const withToken = cache.load('acme', [ID], encodeConsistencyToken(9), slowFetch);
    release();
    assert.deepEqual(
      await Promise.all(loads),
      loads.map(() => [row(1)]),
    );
    assert.deepEqual(await withToken, [row(1)]);
    assert.equal(fetches.length, 2, 'one fetch for the twenty cache-usable loads, one for the token');
  });

  it('a failed fetch fails the loads waiting for it, and the next load fetches again', async () => {
    let fail!: (error: Error) => void;
    const failing = (ids: string[]) => {
      fetches.push(ids);
      return new Promise<Row[]>((_resolve, reject) => {
        fail = reject;
      });
    };
    const loads = [cache.load('acme', [ID], undefined, failing), cache.load('acme', [ID], undefined, failing)];
    fail(new Error('read-service unavailable'));
    for (const load of loads) await assert.rejects(load, /read-service unavailable/);
    assert.deepEqual(await cache.load('acme', [ID], undefined, fetch), [row(1)]);
    assert.equal(fetches.length, 2);
  });

  it('a consistency token above the checkpoint seen goes to the read-service; at or below, the cache answers', async () => {
    await cache.load('acme', [ID], undefined, fetch);
    await cache.load('acme', [ID], encodeConsistencyToken(7), fetch);
    assert.equal(fetches.length, 2, 'checkpoint 0 < 7: asked the read-service');
    await announce(2, 7);
    await waitFor(
      async () => {
        const before = fetches.length;
        await cache.load('acme', [ID], encodeConsistencyToken(7), fetch);
        return fetches.length === before;
      },
      { what: 'the cache to answer token 7' },
    );
    await cache.load('acme', [ID], 'not-a-token', fetch);
    assert.equal(fetches.at(-1)?.[0], ID, 'a malformed token is left to the read-service to refuse');
  });

  it('a reset notice (new projection leader, rebuild) empties it', async () => {
    await cache.load('acme', [ID], undefined, fetch);
    nc.publish(subjects.checkpoint('product_view'), encodeJson({ projection: 'product_view', position: 3, reset: true }));
    await nc.flush();
    await waitFor(
      async () => {
        const before = fetches.length;
        await cache.load('acme', [ID], undefined, fetch);
        return fetches.length > before;
      },
      { what: 'a fetch after the reset' },
    );
  });

  it('holds at most its capacity, forgetting the oldest row', async () => {
    const ids = ['6f1c2d3e-0000-4000-8000-00000000000a', '6f1c2d3e-0000-4000-8000-00000000000b', '6f1c2d3e-0000-4000-8000-00000000000c'];
    for (const id of ids) await cache.load('acme', [id], undefined, fetch);
    fetches = [];
    await cache.load('acme', [ids[2]!, ids[1]!], undefined, fetch);
    assert.equal(fetches.length, 0);
    await cache.load('acme', [ids[0]!], undefined, fetch);
    assert.deepEqual(fetches, [[ids[0]]]);
  });
});

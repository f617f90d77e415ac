import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { createSharedSubscribe, type DirectTarget } from '../../gateway/subscriptions/index.js';

/** A source the test feeds by hand: every subscriber of a topic gets the very same objects. */
function topic() {
  const subscribers: { push(value: object): void; end(): void }[] = [];
  return {
    subscribe(): AsyncIterable<object> {
      const queue: object[] = [];
      let wake: (() => void) | undefined;
      let ended = false;
      subscribers.push({
        push: (value) => {
          queue.push(value);
          wake?.();
        },
        end: () => {
          ended = true;
          wake?.();
        },
      });
      return (async function* () {
        for (;;) {
          while (queue.length > 0) yield queue.shift()!;
          if (ended) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      })();
    },
    publish(value: object) {
      for (const subscriber of subscribers) subscriber.push(value);
    },
    end() {
      for (const subscriber of subscribers) subscriber.end();
    },
  };
}

function schemaWatching(source: ReturnType<typeof topic>, resolved: { count: number }) {
  const Thing = new GraphQLObjectType({
    name: 'Thing',
    fields: {
      id: { type: GraphQLString },
      version: {
        type: GraphQLInt,
        resolve: (thing: { version: number }) => {
          resolved.count += 1;
          return thing.version;
        },
      },
    },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { changed: { type: Thing, subscribe: () => source.subscribe(), resolve: (thing: unknown) => thing } },
    }),
  });
}

function fakeSocket(options: { bufferedAmount?: number; readyState?: number } = {}) {
  const sent: string[] = [];
  const callbacks: (() => void)[] = [];
  const socket: DirectTarget['socket'] & { sent: string[]; flush(): void } = {
    readyState: options.readyState ?? 1,
    bufferedAmount: options.bufferedAmount ?? 0,
    send(data: string, callback?: (error?: Error) => void) {
      sent.push(data);
      if (callback) callbacks.push(() => callback());
    },
    sent,
    flush() {
      for (const callback of callbacks.splice(0)) callback();
    },
  };
  return socket;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const document = parse('subscription { changed { id version } }');
const context = () => ({ principal: { tenant: 'acme', roles: new Set(['reader']) } });

describe('shared subscribe: values after the first go straight to the socket', () => {
  it('graphql-ws gets the first value only; later ones reach every socket as graphql-ws would write them, executed once', async () => {
    const source = topic();
    const resolved = { count: 0 };
    const schema = schemaWatching(source, resolved);
    const targets = new WeakMap<object, DirectTarget>();
    const subscribe = createSharedSubscribe(targets);
    const subscribers = await Promise.all(
      ['1', 'b2', 'c"3'].map(async (id) => {
        const contextValue = context();
        const socket = fakeSocket();
        targets.set(contextValue, { socket, id });
        const iterable = (await subscribe({ schema, document, contextValue })) as AsyncIterable<ExecutionResult>;
        return { id, socket, iterator: iterable[Symbol.asyncIterator]() };
      }),
    );
    source.publish({ id: 'p', version: 1 });
    const firsts = await Promise.all(subscribers.map((s) => s.iterator.next()));
    assert.deepEqual(
      firsts.map((first) => JSON.parse(JSON.stringify(first.value))),
      subscribers.map(() => ({ data: { changed: { id: 'p', version: 1 } } })),
    );

    const pending = subscribers.map((s) => s.iterator.next()); // as graphql-ws: ask for the next value once the first is sent
    resolved.count = 0;
    source.publish({ id: 'p', version: 2 });
    source.publish({ id: 'p', version: 3 });
    await tick();
    await tick();
    for (const s of subscribers) {
      assert.deepEqual(
        s.socket.sent,
        [2, 3].map((version) => JSON.stringify({ id: s.id, type: 'next', payload: { data: { changed: { id: 'p', version } } } })),
      );
    }
    assert.equal(resolved.count, 2, 'each change executed once for the three subscribers');

    source.end();
    for (const next of await Promise.all(pending)) assert.equal(next.done, true, 'graphql-ws sees the end (and sends complete)');
  });

  it('waits for a slow socket to take a message before the next, and writes nothing to a closed one', async () => {
    const source = topic();
    const schema = schemaWatching(source, { count: 0 });
    const targets = new WeakMap<object, DirectTarget>();
    const subscribe = createSharedSubscribe(targets);
    const slow = fakeSocket({ bufferedAmount: 2 << 20 });
    const closed = fakeSocket({ readyState: 3 });
    const iterators = await Promise.all(
      [slow, closed].map(async (socket) => {
        const contextValue = context();
        targets.set(contextValue, { socket, id: '1' });
        return ((await subscribe({ schema, document, contextValue })) as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
      }),
    );
    source.publish({ id: 'p', version: 1 });
    await Promise.all(iterators.map((iterator) => iterator.next()));
    const pending = iterators.map((iterator) => iterator.next());
    source.publish({ id: 'p', version: 2 });
    source.publish({ id: 'p', version: 3 });
    await tick();
    await tick();
    assert.equal(slow.sent.length, 1, 'the second change waits until the first is written');
    slow.flush();
    await tick();
    await tick();
    assert.equal(slow.sent.length, 2);
    assert.deepEqual(closed.sent, []);
    source.end();
    slow.flush();
    await Promise.all(pending);
  });
});

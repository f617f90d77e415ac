import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EventEnvelope } from '../../schema/events/envelope.js';
import { CURRENT_SCHEMA_VERSION, schemaVersionOf, upcast, UPCASTERS } from '../../schema/events/upcasters.js';
import type { aggregates } from '../../write-service/registry.js';

/** The project root: this file runs compiled from <root>/dist/tests/unit. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * One stored payload per event type and schema version ever written (`<Type>@<version>.json`),
 * listed with its hash in SHA256SUMS (`sha256sum *.json` output). Append-only: a sample is never
 * changed or removed, since events of its shape stay in the event store and on the stream.
 */
const samplesDir = path.join(root, 'schema', 'events', 'samples');

/** Every event the write side decides, from the registry: a new aggregate's events need shapes here. */
type WriteEvent = ReturnType<(typeof aggregates)[number]['decider']['decide']>[number];

/** A field's JS type as a sample must have it: string, number, string or null, or an array of objects of one shape. */
type FieldShape<T> = [T] extends [string]
  ? 'string'
  : [T] extends [number]
    ? 'number'
    : [T] extends [string | null]
      ? 'string | null'
      : [T] extends [readonly (infer Item)[]]
        ? readonly [PayloadShape<Item>]
        : never;
type PayloadShape<T> = { readonly [Field in keyof T]-?: FieldShape<T[Field]> };
/** The same, as the check reads it at run time. */
interface Shape {
  readonly [field: string]: 'string' | 'number' | 'string | null' | readonly [Shape];
}

const lineShape = {
  productId: 'string',
  sku: 'string',
  title: 'string',
  quantity: 'number',
  unitPrice: 'string',
  lineTotal: 'string',
} as const;

/**
 * The current payload of every event type, field by field. The compiler holds it to the event
 * types (a field added, removed or retyped there fails to compile here); the samples hold it to
 * what is stored.
 */
const EVENT_SHAPES: { readonly [Type in WriteEvent['type']]: PayloadShape<Extract<WriteEvent, { type: Type }>['data']> } = {
  ProductCreated: {
    productId: 'string',
    sku: 'string',
    title: 'string',
    description: 'string | null',
    category: 'string',
    price: 'string',
    currency: 'string',
    initialStock: 'number',
    createdAt: 'string',
  },
  ProductRenamed: { productId: 'string', title: 'string', previousTitle: 'string', renamedAt: 'string' },
  ProductPriceChanged: { productId: 'string', price: 'string', previousPrice: 'string', changedAt: 'string' },
  ProductRestocked: { productId: 'string', quantity: 'number', restockedAt: 'string' },
  ProductDiscontinued: { productId: 'string', discontinuedAt: 'string' },
  StockReserved: { productId: 'string', orderId: 'string', quantity: 'number', reservedAt: 'string' },
  StockReleased: { productId: 'string', orderId: 'string', quantity: 'number', releasedAt: 'string' },
  CustomerRegistered: { customerId: 'string', name: 'string', email: 'string', region: 'string', registeredAt: 'string' },
  OrderPlaced: {
    orderId: 'string',
    customerId: 'string',
    region: 'string',
    lines: [lineShape],
    total: 'string',
    placedAt: 'string',
  },
  OrderConfirmed: {
    orderId: 'string',
    customerId: 'string',
    region: 'string',
    lines: [lineShape],
    total: 'string',
    confirmedAt: 'string',
  },
  OrderRejected: { orderId: 'string', customerId: 'string', reason: 'string', productId: 'string', rejectedAt: 'string' },
  OrderPaid: { orderId: 'string', customerId: 'string', region: 'string', amount: 'string', paidAt: 'string' },
  OrderShipped: { orderId: 'string', customerId: 'string', shippedAt: 'string' },
  OrderCancelled: {
    orderId: 'string',
    customerId: 'string',
    region: 'string',
    reason: 'string | null',
    previousStatus: 'string',
    lines: [lineShape],
    total: 'string',
    paidAt: 'string | null',
    cancelledAt: 'string',
  },
  ReviewAdded: { productId: 'string', customerId: 'string', rating: 'number', comment: 'string | null', addedAt: 'string' },
  WishlistItemAdded: { customerId: 'string', productId: 'string', addedAt: 'string' },
  WishlistItemRemoved: { customerId: 'string', productId: 'string', removedAt: 'string' },
};

const eventTypes = Object.keys(EVENT_SHAPES) as WriteEvent['type'][];

/** What does not match `shape` in `value`: missing fields, fields it does not have, values of another JS type. */
function shapeErrors(value: unknown, shape: Shape, at = 'data'): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at} is not an object`];
  const fields = value as Record<string, unknown>;
  const errors = Object.keys(fields)
    .filter((field) => !(field in shape))
    .map((field) => `${at}.${field} is not in the current payload`);
  for (const [field, kind] of Object.entries(shape)) {
    const actual = fields[field];
    const where = `${at}.${field}`;
    if (!(field in fields)) errors.push(`${where} is missing`);
    else if (typeof kind !== 'string') {
      if (!Array.isArray(actual)) errors.push(`${where} is not an array`);
      else actual.forEach((item, index) => errors.push(...shapeErrors(item, kind[0], `${where}[${index}]`)));
    } else if (!matches(actual, kind)) errors.push(`${where} is ${JSON.stringify(actual)}, not ${kind}`);
  }
  return errors;
}

function matches(value: unknown, kind: string): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'string | null':
      return typeof value === 'string' || value === null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return false;
  }
}

interface Sample {
  file: string;
  type: string;
  schemaVersion: number;
  data: unknown;
}

async function readSamples(): Promise<Sample[]> {
  const files = (await readdir(samplesDir)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const { type, schemaVersion, data } = JSON.parse(await readFile(path.join(samplesDir, file), 'utf8')) as Omit<Sample, 'file'>;
      return { file, type, schemaVersion, data };
    }),
  );
}

/** The sample as the event store would hand it over: an envelope at the sample's version. */
function stored(sample: Sample): EventEnvelope {
  return {
    eventId: '00000000-0000-4000-8000-000000000000',
    type: sample.type,
    schemaVersion: sample.schemaVersion,
    tenant: 't',
    aggregateType: 'A',
    aggregateId: 'a',
    version: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    data: sample.data,
    metadata: { correlationId: 'c' },
  };
}

function shapeOf(type: string): Shape {
  const shape = (EVENT_SHAPES as Record<string, Shape | undefined>)[type];
  assert.ok(shape, `${type} is not a current event type`);
  return shape;
}

describe('events - contract compatibility', () => {
  it('events - every event type has a sample at its current schema version', async () => {
    const samples = new Set((await readSamples()).map((sample) => `${sample.type}@${sample.schemaVersion}`));
    const missing = eventTypes.map((type) => `${type}@${schemaVersionOf(type)}`).filter((key) => !samples.has(key));
    assert.deepEqual(missing, [], `add schema/events/samples/<Type>@<version>.json for each, and its line in SHA256SUMS`);
  });

  it('events - every sample upcasts to the current schema version with exactly the current fields', async () => {
    for (const sample of await readSamples()) {
      assert.equal(sample.file, `${sample.type}@${sample.schemaVersion}.json`, `${sample.file} names its type and version`);
      const current = upcast(stored(sample));
      assert.equal(current.schemaVersion, schemaVersionOf(sample.type), `${sample.file} upcasts to the current version`);
      assert.deepEqual(shapeErrors(current.data, shapeOf(sample.type)), [], `${sample.file} after upcasting`);
    }
  });

  it('events - samples are append-only: each one is in SHA256SUMS, unchanged, and every version from 1 to the current has one', async () => {
    const listed = new Map(
      (await readFile(path.join(samplesDir, 'SHA256SUMS'), 'utf8'))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const [hash = '', file = ''] = line.split(/\s+\*?/);
          return [file, hash] as const;
        }),
    );
    const samples = await readSamples();
    for (const sample of samples) {
      const hash = createHash('sha256')
        .update(await readFile(path.join(samplesDir, sample.file)))
        .digest('hex');
      assert.ok(listed.has(sample.file), `${sample.file} is not in SHA256SUMS: append its line (sha256sum ${sample.file})`);
      assert.equal(hash, listed.get(sample.file), `${sample.file} changed: a stored shape never does; write a new version instead`);
      assert.ok(sample.schemaVersion <= schemaVersionOf(sample.type), `${sample.file} is past ${sample.type}'s current version`);
    }
    const present = new Set(samples.map((sample) => sample.file));
    assert.deepEqual(
      [...listed.keys()].filter((file) => !present.has(file)),
      [],
      'a sample listed in SHA256SUMS is gone: events of its version are still stored',
    );
    for (const type of eventTypes) {
      for (let version = 1; version <= schemaVersionOf(type); version += 1) {
        assert.ok(present.has(`${type}@${version}.json`), `${type}@${version}.json is missing`);
      }
    }
  });

  it('events - each version below the current has exactly one upcaster, and none starts at the current version', () => {
    for (const type of Object.keys(CURRENT_SCHEMA_VERSION)) assert.ok(type in EVENT_SHAPES, `${type} is not a current event type`);
    for (const type of eventTypes) {
      const steps = UPCASTERS.filter((upcaster) => upcaster.type === type)
        .map((upcaster) => upcaster.fromVersion)
        .sort((a, b) => a - b);
      const expected = Array.from({ length: schemaVersionOf(type) - 1 }, (_, index) => index + 1);
      assert.deepEqual(steps, expected, `${type}'s upcasters`);
    }
  });

  it('events - the check catches a field removed, a field added and a field of another JS type', () => {
    const current = {
      productId: 'p',
      sku: 'S',
      title: 't',
      description: null,
      category: 'c',
      price: '1.00',
      currency: 'USD',
      initialStock: 1,
      createdAt: 'now',
    };
    const { currency: _removed, ...withoutCurrency } = current;
    assert.deepEqual(shapeErrors(current, EVENT_SHAPES.ProductCreated), []);
    assert.deepEqual(shapeErrors(withoutCurrency, EVENT_SHAPES.ProductCreated), ['data.currency is missing']);
    assert.deepEqual(shapeErrors({ ...current, colour: 'red' }, EVENT_SHAPES.ProductCreated), [
      'data.colour is not in the current payload',
    ]);
    assert.deepEqual(shapeErrors({ ...current, initialStock: '1' }, EVENT_SHAPES.ProductCreated), ['data.initialStock is "1", not number']);
    const line = { productId: 'p', sku: 'S', title: 't', quantity: 1, unitPrice: '1.00', lineTotal: 1 };
    const placed = { orderId: 'o', customerId: 'c', region: 'r', lines: [line], total: '1.00', placedAt: 'now' };
    assert.deepEqual(shapeErrors(placed, EVENT_SHAPES.OrderPlaced), ['data.lines[0].lineTotal is 1, not string']);
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { JetStreamClient } from '@nats-io/jetstream';
import { type RebuildError, RebuildErrorCode } from '../../read-service/rebuild/rebuild-error.js';
import { created, productEnvelope, publishEvents } from '../support/events.js';
import { bug, rebuildSystem, renames } from '../support/rebuild-system.js';

describe('projection rebuild', () => {
  const system = rebuildSystem();
  const { subjects, tenant, start, sql, rebuild, settled, oid } = system;
  let js: JetStreamClient;
  before(() => ({ js } = system));

  it('dead letters - an event the live runner dead-lettered is applied by a rebuild after the fix; one that still fails stays a dead letter', async () => {
    const runner = start(renames);
    try {
      const id = randomUUID();
      const rename = (version: number, title: string) =>
        productEnvelope(tenant, id, version, {
          type: 'ProductRenamed',
          data: { productId: id, title, previousTitle: 'Kettle', renamedAt: new Date().toISOString() },
        });
      const [fine, poison] = [rename(2, 'Teapot'), rename(3, 'poison pot')];
      await publishEvents(js, subjects, [productEnvelope(tenant, id, 1, created(id)), fine, poison]);
      const garbage = (await js.publish(subjects.event(tenant, 'Product', id), 'not an event', { msgID: randomUUID() })).seq;
      await settled(garbage, [renames.name]);
      const poisonSeq = Number(
        (
          await sql<{ stream_seq: string }>("select stream_seq from dead_letters where projection = 'renames' and event_id = ?", [
            poison.eventId,
          ])
        )[0]?.stream_seq,
      );
      assert.ok(poisonSeq > 0);

      bug.on = false; // the fix
      const report = await rebuild([renames]);
      assert.deepEqual(report.projections[0]!.deadLetters, { resolved: [poisonSeq], carried: [garbage], recorded: [] });
      assert.deepEqual(
        (
          await sql<{ title: string }>('select title from renamed where event_id in (?) order by title', [[fine.eventId, poison.eventId]])
        ).map((r) => r.title),
        ['Teapot', 'poison pot'],
      );
      assert.deepEqual(await sql("select stream_seq::int as seq from dead_letters where projection = 'renames'"), [{ seq: garbage }]);

      // The live runner goes on with the new table.
      const later = rename(4, 'Jug');
      await settled(await publishEvents(js, subjects, [later]), [renames.name]);
      assert.equal((await sql('select 1 from renamed where event_id = ?', [later.eventId])).length, 1);

      // An event the live table applied fails in a rebuild: refused, nothing switched ...
      bug.eventId = later.eventId;
      const table = await oid('renamed');
      await assert.rejects(
        rebuild([renames]),
        (error: RebuildError) =>
          error.code === RebuildErrorCode.EventsFailed && error.failures.map((f) => f.eventId).join() === later.eventId,
      );
      assert.equal(await oid('renamed'), table);
      assert.equal((await sql('select 1 from renamed where event_id = ?', [later.eventId])).length, 1);
      // ... unless accepted: then it is recorded as a dead letter of the new table.
      const accepted = await rebuild([renames], { acceptFailures: true });
      assert.equal(accepted.projections[0]!.deadLetters.recorded.length, 1);
      assert.deepEqual(await sql('select 1 from renamed where event_id = ?', [later.eventId]), []);
      assert.equal(
        (await sql("select 1 from dead_letters where projection = 'renames' and event_id = ? and payload like '%Jug%'", [later.eventId]))
          .length,
        1,
      );
    } finally {
      bug.on = true;
      bug.eventId = '';
      await runner.stop();
    }
  });
});

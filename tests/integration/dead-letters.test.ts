import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { EntityManager } from '@mikro-orm/postgresql';
import { parseDeadLetterCommand } from '../../read-service/dead-letters/dead-letter-command.js';
import { DeadLetterErrorCode, type DeadLetterError } from '../../read-service/dead-letters/dead-letter-error.js';
import { discardDeadLetters, listDeadLetters, type StoredDeadLetter } from '../../read-service/dead-letters/dead-letter-store.js';
import { retryDeadLetters, RetryOutcomeKind } from '../../read-service/dead-letters/retry-dead-letters.js';
import type { DeadLetterFilter } from '../../read-service/dead-letters/dead-letter-filter.js';
import { productView } from '../../read-service/read-models/product-view.js';
import { rebuildProjections } from '../../read-service/rebuild/rebuild-projections.js';
import { formatVerifyReport, isClean } from '../../read-service/verify/verify-report.js';
import type { CheckpointNotice } from '../../schema/views/view-change.js';
import { created, restocked } from '../support/events.js';
import { Pipeline } from '../support/pipeline.js';
import { verifyNamespace } from '../support/verify.js';
import { waitFor } from '../support/wait.js';

const TENANT = 'tenant-d';
const run = promisify(execFile);
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('dead letters you can act on: list, retry, discard', () => {
  let p: Pipeline;
  /** Products: one whose dead letter will apply after the fix, one whose later version gets in first. */
  const [fixable, overtaken] = [randomUUID(), randomUUID()];
  const letterOf = (letters: StoredDeadLetter[], eventId: string) => letters.find((letter) => letter.eventId === eventId)!;
  const events: Record<string, string> = {};

  before(async () => {
    p = await Pipeline.start('deadletters');
    await p.append(TENANT, 'Product', fixable, 0, [created(fixable, 5)]);
    const [last] = await p.append(TENANT, 'Product', overtaken, 0, [created(overtaken, 5)]);
    await p.settled(await p.published(last!.eventId));
  });
  after(async () => {
    await p?.stop();
  });

  const em = () => p.readOrm.em.fork() as EntityManager;
  const retry = (filter: DeadLetterFilter) =>
    retryDeadLetters({ orm: p.readOrm, nc: p.nc, js: p.js, jsm: p.jsm, subjects: p.subjects, projections: p.projections, filter });
  const row = async (id: string) =>
    (
      await p.readSql<{ available_quantity: number; version: number }>(
        'select available_quantity, version from product_view where id = ?',
        [id],
      )
    )[0];
  const cli = (args: string[]) =>
    run(process.execPath, [path.join(dist, 'scripts/dead-letters.js'), ...args], {
      env: { ...process.env, NAMESPACE: p.config.namespace },
    });

  it('retry before the fix: a letter that fails again stays with one more attempt and its new error; letters whose aggregate a later version overtook are not applied but left for a rebuild', async () => {
    // A bug of the read side: the view refuses quantities of 100 and more.
    await p.readSql('alter table product_view add constraint test_small_stock check (available_quantity < 100) not valid');
    events.fixable = (await p.append(TENANT, 'Product', fixable, 1, [restocked(fixable, 200)]))[0]!.eventId;
    events.overtaken = (await p.append(TENANT, 'Product', overtaken, 1, [restocked(overtaken, 200)]))[0]!.eventId;
    await p.append(TENANT, 'Product', overtaken, 2, [restocked(overtaken, 1)]); // applied: the row moves to v3 without v2
    // And a product whose creation fails: its restock then finds no row and changes nothing.
    events.uncreatedProduct = randomUUID();
    events.uncreated = (await p.append(TENANT, 'Product', events.uncreatedProduct, 0, [created(events.uncreatedProduct, 500)]))[0]!.eventId;
    const last = (await p.append(TENANT, 'Product', events.uncreatedProduct, 1, [restocked(events.uncreatedProduct, 1)]))[0]!.eventId;
    await p.settled(await p.published(last));

    const letters = await listDeadLetters(em(), {});
    assert.deepEqual(
      letters.map((l) => [l.projection, l.eventId, l.attempts]).sort(),
      [events.fixable, events.overtaken, events.uncreated].map((id) => ['product_view', id, 1]).sort(),
    );
    assert.deepEqual(await row(overtaken), { available_quantity: 6, version: 3 });

    // Still broken: the first fails again; the other two would come after a later version of their product.
    const first = await retry({ projections: ['product_view'] });
    const outcome = (eventId: string) => first.find((o) => o.letter.eventId === eventId)!;
    assert.equal(outcome(events.fixable).outcome, RetryOutcomeKind.Failed);
    assert.match(outcome(events.fixable).detail, /test_small_stock/);
    assert.equal(outcome(events.overtaken).outcome, RetryOutcomeKind.NeedsRebuild);
    assert.match(outcome(events.overtaken).detail, /product_view holds version 3 .*npm run rebuild -- product_view/);
    assert.equal(
      outcome(events.uncreated).outcome,
      RetryOutcomeKind.NeedsRebuild,
      'a creation retried after its product was restocked would drop the restock',
    );
    assert.match(outcome(events.uncreated).detail, /version 2 of Product .* was read at stream sequence/);
    const kept = await listDeadLetters(em(), {});
    assert.equal(kept.length, 3, 'every letter stays');
    assert.ok(kept.every((l) => l.attempts === 2 && l.retriedAt !== null));
    assert.match(letterOf(kept, events.fixable).error, /test_small_stock/);
    assert.equal(await row(events.uncreatedProduct), undefined, 'nothing applied');
  });

  it('retry after the fix: the event applies in a transaction under the checkpoint lock, the letter goes, gateways are told to re-read', async () => {
    await p.readSql('alter table product_view drop constraint test_small_stock');
    const notices: CheckpointNotice[] = [];
    const sub = p.nc.subscribe(p.subjects.checkpoint('product_view'), {
      callback: (_error, msg) => {
        notices.push(msg.json<CheckpointNotice>());
      },
    });
    const id = letterOf(await listDeadLetters(em(), {}), events.fixable!).id;
    const outcomes = await retry({ ids: [id] });
    assert.deepEqual(
      outcomes.map((o) => o.outcome),
      [RetryOutcomeKind.Applied],
    );
    assert.deepEqual(await row(fixable), { available_quantity: 205, version: 2 });
    assert.equal((await listDeadLetters(em(), { ids: [id] })).length, 0);
    const [checkpoint] = await p.readSql<{ position: string }>(
      "select position from projection_checkpoints where projection = 'product_view'",
    );
    await waitFor(() => notices.some((n) => n.reset === true && n.position === Number(checkpoint!.position)), {
      what: 'a reset checkpoint notice',
    });
    sub.unsubscribe();
  });

  it('discard keeps the letter as history; verify reports discarded events apart and open letters as a difference; a rebuild resolves both', async () => {
    const letters = await listDeadLetters(em(), {});
    const discarded = await discardDeadLetters(em(), { ids: [letterOf(letters, events.uncreated!).id] });
    assert.deepEqual(
      discarded.map((l) => l.eventId),
      [events.uncreated],
    );
    assert.ok(discarded[0]!.discardedAt);
    assert.deepEqual(
      (await listDeadLetters(em(), {})).map((l) => l.eventId),
      [events.overtaken],
      'list shows open letters',
    );
    assert.equal((await listDeadLetters(em(), { discarded: true })).length, 2, '--discarded shows the discarded too');
    assert.deepEqual(await discardDeadLetters(em(), { ids: [discarded[0]!.id] }), [], 'discarding twice changes nothing');
    assert.deepEqual(await retry({ ids: [discarded[0]!.id] }), [], 'retry leaves discarded letters alone');

    const report = await verifyNamespace(p.config);
    assert.deepEqual(report.differences, [], formatVerifyReport(report).join('\n'));
    assert.deepEqual(
      report.deadLetters.map((l) => [l.projection, l.eventId]),
      [['product_view', events.overtaken]],
    );
    assert.deepEqual(
      report.discarded.map((l) => [l.projection, l.eventId]),
      [['product_view', events.uncreated]],
    );
    assert.equal(isClean(report), false);
    const printed = formatVerifyReport(report).join('\n');
    assert.match(printed, /1 dead letter\(s\)[^]*product_view: #\d+ ProductRestocked/);
    assert.match(printed, /1 discarded dead letter\(s\), left out on purpose/);

    // The way out the retry pointed to: a rebuild applies every event in stream order.
    const rebuilt = await rebuildProjections({
      orm: p.readOrm,
      databaseUrl: p.config.readDatabaseUrl,
      nc: p.nc,
      js: p.js,
      subjects: p.subjects,
      projections: [productView],
    });
    assert.equal(rebuilt.projections[0]!.deadLetters.resolved.length, 2);
    assert.deepEqual(await row(overtaken), { available_quantity: 206, version: 3 });
    assert.deepEqual(await row(events.uncreatedProduct!), { available_quantity: 501, version: 2 });
    const after = await verifyNamespace(p.config);
    assert.ok(isClean(after), formatVerifyReport(after).join('\n'));
  });

  it('the command line: list prints letters readably, retry and discard refuse to act on everything unless told --all', async () => {
    const sold = randomUUID();
    await p.append(TENANT, 'Product', sold, 0, [created(sold, 5)]);
    await p.readSql('alter table product_view add constraint test_small_stock check (available_quantity < 100) not valid');
    const [event] = await p.append(TENANT, 'Product', sold, 1, [restocked(sold, 1000)]);
    await p.settled(await p.published(event!.eventId));
    await p.readSql('alter table product_view drop constraint test_small_stock');

    const listed = await cli(['list', '--tenant', TENANT]);
    assert.match(
      listed.stdout,
      new RegExp(
        `product_view: 1 dead letter\\(s\\)\\n  #\\d+ ProductRestocked ${event!.eventId} tenant ${TENANT} stream \\d+ \\(open\\)\\n     attempts 1, first `,
      ),
    );
    assert.match(listed.stdout, /error: [^]*test_small_stock/);
    await assert.rejects(
      cli(['retry']),
      (error: { code: number; stderr: string }) =>
        error.code === 2 && /retry needs --projection, --tenant, --id or --all/.test(error.stderr),
    );
    assert.throws(
      () => parseDeadLetterCommand(['discard', '--projection', 'nope'], ['product_view']),
      (error: DeadLetterError) => error.code === DeadLetterErrorCode.UnknownProjection,
    );
    const retried = await cli(['retry', '--all']);
    assert.match(
      retried.stdout,
      /: applied \(1 row change\(s\) in product_view\)\napplied 1, nothing to change 0, need a rebuild 0, failed again 0, gone 0/,
    );
    assert.match((await cli(['list'])).stdout, /no dead letters/);
  });
});

/**
 * `npm run republish -- --from <global position> [--to <global position>] | --missing`: publishes
 * events from the event store to the stream again, for a stream that lost them, in global order,
 * with Nats-Msg-Id = event id, chained so that a failure stops it, and marks the outbox with the new
 * stream sequences. Run it with the write-service stopped when the stream lost its tail or was
 * recreated (see the README's Tools). Exits 1 when it stopped or left events to run again, 2 on a
 * usage error.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { loadConfig, ensureEventStream, subjectsFor } from '../platform/index.js';
import { highestCheckpoint } from '../read-service/index.js';
import { auditStream, formatRepublishReport, parseRepublishCommand, republish, RepublishError } from '../write-service/index.js';

let command;
try {
  command = parseRepublishCommand(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof RepublishError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const config = loadConfig();
const subjects = subjectsFor(config.namespace);
const client = new pg.Client({ connectionString: config.writeDatabaseUrl });
await client.connect();
const nc = await connect({ servers: config.natsUrl.split(',') });
try {
  const jsm = await ensureEventStream(nc, subjects); // a stream lost with its store is recreated empty, as the services would
  const js = jetstream(nc);
  const checkpoints = await readCheckpoint(config.readDatabaseUrl);
  let selection;
  if ('missing' in command) {
    const audit = await auditStream({ client, js, jsm, subjects });
    selection = { eventIds: audit.missing.map((m) => m.eventId) };
    console.log(`the stream misses ${audit.missing.length} published event(s)`);
  } else {
    selection = command;
  }
  const report = await republish({ client, js, jsm, subjects, selection, consumerPositions: checkpoints });
  console.log(formatRepublishReport(report).join('\n'));
  process.exitCode = report.phantoms.length > 0 ? 1 : 0;
} catch (error) {
  if (!(error instanceof RepublishError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await nc.close();
  await client.end();
}

/** The projections' highest checkpoint, when the read database answers (a republish must not wait for it). */
async function readCheckpoint(url: string): Promise<number[]> {
  const read = new pg.Client({ connectionString: url });
  try {
    await read.connect();
    return [await highestCheckpoint(read)];
  } catch (error) {
    console.warn(`the read database did not answer (${(error as Error).message}): going by the write side's positions only`);
    return [];
  } finally {
    await read.end().catch(() => undefined);
  }
}

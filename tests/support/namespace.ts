import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Config } from '../../platform/config.js';
import { loadConfig } from '../../platform/config.js';
import { dropDatabase } from '../../platform/postgres/database.js';
import { subjectsFor } from '../../platform/subjects.js';

/** A namespace of its own for one test file: its databases, stream, subjects and consumers. */
export function uniqueNamespace(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/g, '').slice(0, 16)}_${randomBytes(4).toString('hex')}`;
}

/** A test's configuration: its namespace, quiet logs, and any free port for the API and the metrics (never a fixed default). */
export function testConfig(namespace: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    NAMESPACE: namespace,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    PORT: '0',
    METRICS_PORT: '0',
    ...overrides,
  });
}

/** Drops the namespace's databases and deletes its stream (and with it its consumers). */
export async function cleanupNamespace(config: Config): Promise<void> {
  const nc = await connect({ servers: config.natsUrl.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(subjectsFor(config.namespace).stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
  await dropDatabase(config.writeDatabaseUrl);
  await dropDatabase(config.readDatabaseUrl);
}

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson } from './messaging.js';
import type { Subjects } from './subjects.js';

/** What one replica of a service answers on `<ns>.status.ping` (JSON): who it is and how it is doing. */
export interface ReplicaStatus {
  /** `gateway`, `write-service`, `read-service`. */
  service: string;
  /** `<hostname>:<pid>`: tells the replicas of one service apart. */
  replica: string;
  /** The project's version (package.json). */
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  /** Requests it is working on now, when it counts them (the write- and read-service). */
  inFlight?: number;
  /** Where it serves Prometheus metrics, when it does. */
  metrics?: string;
  /** Where it serves GraphQL (the gateway). */
  endpoint?: string;
}

export interface StatusPingOptions {
  service: string;
  inFlight?: { readonly current: number };
  metrics?: string;
  endpoint?: string;
}

const version = readVersion();

/**
 * Answers status pings (`npm run status`) on a core-NATS subject in no queue group, so that every
 * replica answers, whatever its load: the ping does not go through the in-flight limit. Start it
 * once the service is ready (an answer means "ready"), stop it first on the way down.
 */
export function answerStatusPings(nc: NatsConnection, subjects: Subjects, options: StatusPingOptions): { stop(): void } {
  const started = new Date();
  const replica = `${hostname()}:${process.pid}`;
  const sub = nc.subscribe(subjects.statusPing, {
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      const status: ReplicaStatus = {
        service: options.service,
        replica,
        version,
        startedAt: started.toISOString(),
        uptimeSeconds: Math.round((Date.now() - started.getTime()) / 1000),
        ...(options.inFlight ? { inFlight: options.inFlight.current } : {}),
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      };
      msg.respond(encodeJson(status));
    },
  });
  return { stop: () => sub.unsubscribe() };
}

/** package.json's version: the module runs from dist/platform/, two folders below it. */
function readVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { subjectsFor } from '../../platform/subjects.js';
import { NatsCluster } from '../support/nats-cluster.js';
import { PrivateNats } from '../support/private-nats.js';
import { waitFor } from '../support/wait.js';
import { FaultHarness } from './fault-harness.js';
import { FaultRun } from './scenario.js';

describe('faults: the NATS server restarted; a node of a 3-node JetStream cluster killed and brought back', () => {
  const run = new FaultRun('NATS server faults');
  after(() => run.table.print());

  describe('a single NATS server restarted', () => {
    let nats: PrivateNats;
    let harness: FaultHarness;
    before(async () => {
      nats = await PrivateNats.start();
      harness = await FaultHarness.start('fnatsrestart', { natsUrl: nats.url });
    });
    after(async () => {
      await harness?.stop();
      await nats?.destroy();
    });

    it('nats-server restarted under load: nothing lost, duplicated or stuck', async () => {
      await run.run(harness, { name: 'nats-server restart', inject: () => nats.restart(), convergeWithinMs: 30_000 });
    });
  });

  describe('a 3-node JetStream cluster, stream R3', () => {
    let cluster: NatsCluster;
    let harness: FaultHarness;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    before(async () => {
      cluster = await NatsCluster.start();
      nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      // jetstreamManager() asks for the account's info, which only a cluster with a meta leader answers.
      jsm = await waitFor(() => jetstreamManager(nc), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the JetStream cluster to elect its meta leader',
      });
      harness = await FaultHarness.start('fnatscluster', { natsUrl: cluster.url, env: { STREAM_REPLICAS: '3' } });
    });
    after(async () => {
      await harness?.stop();
      await nc?.close();
      await cluster?.destroy();
    });

    const stream = () => subjectsFor(harness.system.config.namespace).stream;
    const streamCluster = async () => (await jsm.streams.info(stream())).cluster;

    it('the stream is replicated on the three nodes', async () => {
      const info = await jsm.streams.info(stream());
      assert.equal(info.config.num_replicas, 3);
      assert.equal((info.cluster?.replicas ?? []).length, 2);
    });

    it('one node killed (the stream leader, a follower in even rounds) and brought back: commands answer within 10 s, no acknowledged event lost', async () => {
      await run.run(harness, {
        name: 'nats cluster: node kill -9',
        recoverWithinMs: 10_000,
        convergeWithinMs: 30_000,
        inject: async (round) => {
          const before = await streamCluster();
          const follower = before?.replicas?.[0]?.name;
          const victim = round % 2 === 1 ? before?.leader : follower;
          if (!victim) throw new Error(`no ${round % 2 === 1 ? 'leader' : 'follower'} of the stream: ${JSON.stringify(before)}`);
          const killedAt = Date.now();
          await cluster.stopNode(victim, 'SIGKILL');
          // Down for 3 s (the fault): commands must answer again meanwhile, a new leader elected when it led.
          await delay(3000);
          await cluster.startNode(victim);
          await waitFor(
            async () => {
              const now = await streamCluster();
              const peers = now?.replicas ?? [];
              return now?.leader && peers.length === 2 && peers.every((p) => p.current && !p.offline);
            },
            { timeoutMs: 60_000, intervalMs: 250, what: `node ${victim} to catch up with the stream` },
          );
          return killedAt;
        },
      });
    });
  });
});

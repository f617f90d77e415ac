import { NoRespondersError, type NatsConnection } from '@nats-io/nats-core';
import type { ReplicaStatus, Subjects } from '../../platform/index.js';
import { SERVICES, type ServiceReplicas } from './status-report.js';

/**
 * Pings every replica (`<ns>.status.ping`, answered by each, see answerStatusPings) and gathers
 * the answers that arrive within `waitMs`: the known services first, each with its replicas
 * (possibly none), then any other service that answered. No answer at all is not an error.
 */
export async function pingReplicas(nc: NatsConnection, subjects: Subjects, waitMs: number): Promise<ServiceReplicas[]> {
  const answers: ReplicaStatus[] = [];
  try {
    for await (const msg of await nc.requestMany(subjects.statusPing, '', { strategy: 'timer', maxWait: waitMs })) {
      try {
        answers.push(msg.json<ReplicaStatus>());
      } catch {
        // not JSON: not one of ours
      }
    }
  } catch (error) {
    if (!(error instanceof NoRespondersError)) throw error;
  }
  const byService = new Map<string, ReplicaStatus[]>(SERVICES.map((service) => [service, []]));
  for (const answer of answers) {
    if (typeof answer?.service !== 'string' || typeof answer.replica !== 'string' || typeof answer.startedAt !== 'string') continue;
    byService.set(answer.service, [...(byService.get(answer.service) ?? []), answer]);
  }
  return [...byService].map(([service, replicas]) => ({
    service,
    replicas: replicas.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.replica.localeCompare(b.replica)),
  }));
}

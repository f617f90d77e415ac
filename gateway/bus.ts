import type { NatsConnection } from '@nats-io/nats-core';
import { request } from '../platform/messaging.js';
import type { Subjects } from '../platform/subjects.js';
import type { CommandMessage, CommandResult } from '../schema/commands/command-message.js';
import { AppError } from '../schema/errors.js';
import type { QueryMessage } from '../schema/queries/query-message.js';
import type { Principal } from './auth.js';
import { toGraphQLError } from './errors.js';

export interface CallContext {
  principal: Principal;
  correlationId: string;
}

/**
 * The gateway's only way to the services: commands to the write-service queue group, queries
 * to the read-service queue group. Service errors come back as coded GraphQL errors.
 */
export class Bus {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly timeoutMs: number,
  ) {}

  async command(name: string, input: object, ctx: CallContext): Promise<CommandResult> {
    const body: CommandMessage = {
      tenant: ctx.principal.tenant,
      userId: ctx.principal.userId,
      correlationId: ctx.correlationId,
      input: JSON.parse(JSON.stringify(input)) as Record<string, unknown>,
    };
    return this.call(this.subjects.command(name), body, ctx, 'write-service');
  }

  async query<T>(name: string, args: object, ctx: CallContext, consistencyToken?: string | null): Promise<T> {
    const body: QueryMessage = {
      tenant: ctx.principal.tenant,
      correlationId: ctx.correlationId,
      args: JSON.parse(JSON.stringify(args)) as Record<string, unknown>,
      ...(consistencyToken ? { consistencyToken } : {}),
    };
    return this.call(this.subjects.query(name), body, ctx, 'read-service');
  }

  private async call<T>(subject: string, body: unknown, ctx: CallContext, service: string): Promise<T> {
    try {
      return await request<T>(this.nc, subject, body, { timeoutMs: this.timeoutMs, correlationId: ctx.correlationId, service });
    } catch (error) {
      if (error instanceof AppError) throw toGraphQLError(error);
      throw error;
    }
  }
}

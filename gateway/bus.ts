import type { NatsConnection } from '@nats-io/nats-core';
import { request, type Subjects } from '../platform/index.js';
import {
  requireSafeStrings,
  type CommandInputs,
  type CommandMessage,
  type CommandName,
  type CommandResult,
  type Queries,
  type QueryMessage,
  type QueryName,
} from '../schema/index.js';
import type { Principal } from './auth.js';
import type { TokenSeal } from './token-seal.js';

export interface CallContext {
  principal: Principal;
  correlationId: string;
}

/**
 * The gateway's only way to the services: commands to the write-service queue group, queries
 * to the read-service queue group, each typed by its wire message and sent as it is (JSON).
 * A service's error comes back as the AppError it answered (SERVICE_UNAVAILABLE when none did).
 * A string no service can store (NUL, a lone surrogate: requireSafeStrings) is refused here,
 * BAD_USER_INPUT naming its field, before anything is sent. Consistency tokens cross it sealed
 * for clients (TokenSeal): opened on the way to a query, sealed on the way back from a command.
 */
export class Bus {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly timeoutMs: number,
    private readonly tokens: TokenSeal,
  ) {}

  /** The read-service's form of a client's consistency token (BAD_USER_INPUT when it is not one). */
  openToken(consistencyToken: string): string {
    return this.tokens.open(consistencyToken);
  }

  /** The client's form of a read-service position token (`projections`). */
  sealToken(internal: string): string {
    return this.tokens.seal(internal);
  }

  async command<N extends CommandName>(name: N, input: CommandInputs[N], ctx: CallContext): Promise<CommandResult> {
    requireSafeStrings(input, 'input');
    const body: CommandMessage<N> = {
      tenant: ctx.principal.tenant,
      userId: ctx.principal.userId,
      roles: ctx.principal.roles,
      correlationId: ctx.correlationId,
      input,
    };
    // A mutation's field is its command: the operation's span is the request's client side (#50).
    const result = await this.call<CommandResult>(this.subjects.command(name), body, ctx, 'write-service', false);
    return { ...result, consistencyToken: this.tokens.seal(result.consistencyToken) };
  }

  async query<N extends QueryName>(
    name: N,
    args: Queries[N]['args'],
    ctx: CallContext,
    consistencyToken?: string | null,
  ): Promise<Queries[N]['answer']> {
    requireSafeStrings(args, '');
    const body: QueryMessage<Queries[N]['args']> = {
      tenant: ctx.principal.tenant,
      correlationId: ctx.correlationId,
      args,
      ...(consistencyToken ? { consistencyToken: this.tokens.open(consistencyToken) } : {}),
    };
    return this.call(this.subjects.query(name), body, ctx, 'read-service');
  }

  private call<T>(subject: string, body: unknown, ctx: CallContext, service: string, span = true): Promise<T> {
    return request<T>(this.nc, subject, body, { timeoutMs: this.timeoutMs, correlationId: ctx.correlationId, service, span });
  }
}

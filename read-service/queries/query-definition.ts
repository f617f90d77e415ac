import type { EntityManager } from '@mikro-orm/postgresql';

export interface QueryContext {
  tenant: string;
  em: EntityManager;
}

/**
 * A query endpoint: its name, the projections whose tables it reads (a consistency token waits
 * for exactly these), and how it answers from those tables.
 */
export interface QueryDefinition<Args = any, Result = unknown> {
  name: string;
  reads: readonly string[];
  handle(args: Args, context: QueryContext): Promise<Result>;
}

import type { EntityManager } from '@mikro-orm/postgresql';

export interface QueryContext {
  tenant: string;
  em: EntityManager;
}

/**
 * A query endpoint: its name, the projections whose tables it reads (a consistency token waits
 * for exactly these), and how it answers from those tables.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one registry holds queries of every argument shape; each checks its own (they arrive as JSON)
export interface QueryDefinition<Args = any, Result = unknown> {
  name: string;
  reads: readonly string[];
  handle(args: Args, context: QueryContext): Promise<Result>;
}

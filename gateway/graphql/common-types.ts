import { Field, ID, Int, ObjectType } from 'type-graphql';
import type * as messages from '../../schema/index.js';
import type * as queries from '../../schema/index.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ description: 'A reference to the writes of one mutation. Pass it to a query or subscription to read your own write.' })
export class CommandResult implements messages.CommandResult {
  @Field(() => ID)
  aggregateId!: string;

  @Field(() => Int, { description: 'Version of the aggregate after the command.' })
  version!: number;

  @Field(() => String, {
    description: "Opaque token: a query or subscription given it reflects this mutation's events, or fails with CONSISTENCY_TIMEOUT.",
  })
  consistencyToken!: string;

  @Field(() => String)
  correlationId!: string;

  @Field(() => Boolean, { description: 'True when this result was replayed for a repeated idempotency key instead of executing again.' })
  replayed!: boolean;
}

@ObjectType()
export class PageInfo implements queries.PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class ProjectionStatus implements queries.ProjectionStatus {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Last event applied, as a consistency token: reading with it waits for nothing.' })
  position!: string;

  @Field(() => Int, {
    description:
      "1 while the read model has events published but not yet applied, 0 when it has caught up (never how many: the stream holds every tenant's events).",
  })
  lag!: number;

  @Field(() => DateTimeScalar, { nullable: true })
  updatedAt!: string | null;
}

import { Ctx, Query, Resolver } from 'type-graphql';
import { ProjectionStatus } from './common-types.js';
import type { ProjectionStatus as ProjectionStatusMessage } from '../../schema/index.js';
import type { GatewayContext } from '../context.js';

/** Freshness of the read models. */
@Resolver()
export class ProjectionsResolver {
  @Query(() => [ProjectionStatus])
  projections(@Ctx() ctx: GatewayContext): Promise<ProjectionStatusMessage[]> {
    return ctx.bus.query('projections', {}, ctx);
  }
}

import { Ctx, Query, Resolver } from 'type-graphql';
import { ProjectionStatus } from './common-types.js';
import { encodeConsistencyToken, type ProjectionStatus as ProjectionStatusMessage } from '../../schema/index.js';
import type { GatewayContext } from '../context.js';

/**
 * Freshness of the read models, as much as one tenant may know of it: the stream holds every
 * tenant's events, so `position` is a sealed consistency token (reading with it waits for
 * nothing) and `lag` only says whether the read model is behind (1) or not (0), never by how many.
 */
@Resolver()
export class ProjectionsResolver {
  @Query(() => [ProjectionStatus])
  async projections(@Ctx() ctx: GatewayContext): Promise<ProjectionStatusMessage[]> {
    const statuses = await ctx.bus.query('projections', {}, ctx);
    return statuses.map((status) => ({
      ...status,
      position: ctx.bus.sealToken(encodeConsistencyToken(Number(status.position))),
      lag: status.lag > 0 ? 1 : 0,
    }));
  }
}

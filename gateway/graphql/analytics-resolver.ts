import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { RegionalSales, TopProduct } from './analytics-types.js';
import { Product } from './catalog-types.js';
import { DateScalar } from './scalars.js';
import { SALES_VIEW, type RegionalSalesView, type TopProductView, type ProductView } from '../../schema/index.js';
import type { GatewayContext } from '../context.js';
import { ANY_KEY, regionKey } from '../subscriptions/view-hub.js';
import { watchView } from '../subscriptions/watch-view.js';

/** The Date scalar parses to a Date at UTC midnight; messages carry the YYYY-MM-DD it came from. */
function isoDay(day: Date): string {
  return day.toISOString().slice(0, 10);
}

/** The earliest day a sales subscription reads again: the query's widest range ends today. */
function recentDay(today: string): string {
  return isoDay(new Date(Date.parse(today) - 365 * 86_400_000));
}

/** The dashboards: regional daily sales and top products, read as they are. */
@Resolver(() => TopProduct)
export class AnalyticsResolver {
  @Query(() => [RegionalSales])
  salesByRegion(
    @Arg('from', () => DateScalar) from: Date,
    @Arg('to', () => DateScalar) to: Date,
    @Arg('region', () => String, { nullable: true }) region: string | null,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<RegionalSalesView[]> {
    return ctx.bus.query('salesByRegion', { from: isoDay(from), to: isoDay(to), region }, ctx, consistencyToken);
  }

  @Query(() => [TopProduct])
  async topProducts(
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('consistencyToken', () => String, { nullable: true }) consistencyToken: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<TopProductView[]> {
    const top = await ctx.bus.query('topProducts', { limit }, ctx, consistencyToken);
    if (consistencyToken) for (const entry of top) ctx.readTokens.set(entry, consistencyToken);
    return top;
  }

  @FieldResolver(() => Product, { nullable: true })
  product(@Root() top: TopProductView, @Ctx() ctx: GatewayContext): Promise<ProductView | null> {
    return ctx.loaders.product(ctx.readTokens.get(top)).load(top.productId);
  }

  @Subscription(() => RegionalSales, {
    description: "Emits whenever a day's figures change for the region (all regions when omitted).",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { region?: string | null }, GatewayContext>) =>
      watchView<RegionalSalesView>({
        hub: context.views,
        tenant: context.principal.tenant,
        view: SALES_VIEW,
        key: args.region === undefined || args.region === null ? ANY_KEY : regionKey(args.region, 'region'),
        // Each (region, day) row has its own version: order changes within a row, never across.
        rowOf: (sales) => `${sales.region}/${sales.day}`,
        // After missed notices: the days it has emitted and today, as they are now.
        reload: (rows) => {
          const region = args.region === undefined || args.region === null ? null : regionKey(args.region, 'region');
          const today = isoDay(new Date());
          const days = rows.map((row) => row.slice(row.indexOf('/') + 1)).filter((day) => day >= recentDay(today));
          const from = days.reduce((earliest, day) => (day < earliest ? day : earliest), today);
          return context.bus.query('salesByRegion', { from, to: today, region }, context);
        },
      }),
  })
  salesUpdated(
    @Root() sales: RegionalSalesView,
    @Arg('region', () => String, { nullable: true }) _region: string | null,
  ): RegionalSalesView {
    return sales;
  }
}

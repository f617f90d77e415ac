import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { RegionalSalesView, TopProductView } from '../../schema/index.js';
import { Product } from './catalog-types.js';
import { DateScalar, DecimalScalar } from './scalars.js';

@ObjectType()
export class RegionalSales implements Omit<RegionalSalesView, 'version'> {
  @Field(() => String) region!: string;
  @Field(() => DateScalar) day!: string;
  @Field(() => Int) ordersCount!: number;
  @Field(() => DecimalScalar) revenue!: string;
}

@ObjectType()
export class TopProduct implements TopProductView {
  /** Resolved by AnalyticsResolver.product through the product DataLoader. */
  @Field(() => Product, { nullable: true }) product?: Product | null;
  @Field(() => ID) productId!: string;
  @Field(() => Int) unitsSold!: number;
  @Field(() => DecimalScalar) revenue!: string;
}

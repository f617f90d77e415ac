import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type * as wire from '../../schema/index.js';
import type { OrderLineView, OrderTimelineEntryView, OrderView } from '../../schema/index.js';
import { Product } from './catalog-types.js';
import { PageInfo } from './common-types.js';
import { Customer } from './customer-types.js';
import { DateTimeScalar, DecimalScalar } from './scalars.js';

export enum OrderStatus {
  PENDING = 'PENDING',
  CONFIRMED = 'CONFIRMED',
  REJECTED = 'REJECTED',
  PAID = 'PAID',
  SHIPPED = 'SHIPPED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(OrderStatus, { name: 'OrderStatus' });

@ObjectType()
export class OrderLine implements OrderLineView {
  @Field(() => ID) productId!: string;
  @Field(() => String) sku!: string;
  @Field(() => String) title!: string;
  @Field(() => Int) quantity!: number;
  @Field(() => DecimalScalar) unitPrice!: string;
  @Field(() => DecimalScalar) lineTotal!: string;
  /** Resolved by OrderLineResolver through the product DataLoader. */
  @Field(() => Product, { nullable: true, description: "The product's current view, resolved in batches." }) product?: Product | null;
}

@ObjectType()
export class OrderTimelineEntry implements OrderTimelineEntryView {
  @Field(() => DateTimeScalar) at!: string;
  @Field(() => String, { description: "The domain event's type, e.g. OrderPlaced, OrderConfirmed." }) event!: string;
  @Field(() => String, { nullable: true }) detail!: string | null;
}

@ObjectType()
export class Order implements OrderView {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  /** Resolved by OrderResolver through the customer DataLoader. */
  @Field(() => Customer, { nullable: true }) customer?: Customer | null;
  @Field(() => OrderStatus) status!: OrderStatus;
  @Field(() => [OrderLine]) lines!: OrderLine[];
  @Field(() => DecimalScalar) total!: string;
  @Field(() => String) region!: string;
  @Field(() => String, { nullable: true, description: 'Why the order was rejected or cancelled, if it was.' }) reason!: string | null;
  @Field(() => DateTimeScalar) placedAt!: string;
  @Field(() => DateTimeScalar) updatedAt!: string;
  @Field(() => [OrderTimelineEntry]) timeline!: OrderTimelineEntry[];
  @Field(() => Int) version!: number;
}

@ObjectType()
export class OrderEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Order) node!: Order;
}

@ObjectType()
export class OrderConnection {
  @Field(() => [OrderEdge]) edges!: OrderEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@InputType()
export class OrderLineInput implements wire.OrderLineInput {
  @Field(() => ID) productId!: string;
  @Field(() => Int) quantity!: number;
}

@InputType()
export class PlaceOrderInput implements wire.PlaceOrderInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID, { nullable: true }) id?: string | null;
  @Field(() => ID) customerId!: string;
  @Field(() => [OrderLineInput]) lines!: OrderLineInput[];
}

@InputType()
export class PayOrderInput implements wire.PayOrderInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) id!: string;
  @Field(() => DecimalScalar) amount!: string;
}

@InputType()
export class ShipOrderInput implements wire.ShipOrderInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) id!: string;
}

@InputType()
export class CancelOrderInput implements wire.CancelOrderInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) reason?: string | null;
}

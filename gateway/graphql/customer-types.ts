import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type * as wire from '../../schema/index.js';
import type { CustomerView } from '../../schema/index.js';
import { DateTimeScalar, DecimalScalar } from './scalars.js';

@ObjectType()
export class Customer implements Omit<CustomerView, 'revision'> {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) email!: string;
  @Field(() => String) region!: string;
  @Field(() => Int) ordersCount!: number;
  @Field(() => DecimalScalar, { description: 'Sum of paid orders.' }) totalSpent!: string;
  @Field(() => DateTimeScalar, { nullable: true }) lastOrderAt!: string | null;
  @Field(() => Int) version!: number;
}

@InputType()
export class RegisterCustomerInput implements wire.RegisterCustomerInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID, { nullable: true }) id?: string | null;
  @Field(() => String) name!: string;
  @Field(() => String) email!: string;
  @Field(() => String) region!: string;
}

/** A customer's review of a product (rating 1-5, checked by the write-service). */
@InputType()
export class AddReviewInput implements wire.AddReviewInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) productId!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => Int) rating!: number;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

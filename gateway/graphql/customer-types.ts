import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, DecimalScalar } from './scalars.js';

@ObjectType()
export class Customer {
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
export class RegisterCustomerInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string;
  @Field(() => ID, { nullable: true }) id?: string;
  @Field(() => String) name!: string;
  @Field(() => String) email!: string;
  @Field(() => String) region!: string;
}

/** A customer's review of a product (rating 1-5, checked by the write-service). */
@InputType()
export class AddReviewInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string;
  @Field(() => ID) productId!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => Int) rating!: number;
  @Field(() => String, { nullable: true }) comment?: string;
}

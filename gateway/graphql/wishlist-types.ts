import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type * as wire from '../../schema/index.js';
import type { WishlistItemView, WishlistView } from '../../schema/index.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType({ description: 'A product on a wishlist.' })
export class WishlistItem implements WishlistItemView {
  @Field(() => ID) productId!: string;
  @Field(() => DateTimeScalar) addedAt!: string;
}

@ObjectType({ description: "A customer's wishlist, newest item first (empty when the customer has none)." })
export class Wishlist implements WishlistView {
  @Field(() => ID) customerId!: string;
  @Field(() => [WishlistItem]) items!: WishlistItem[];
  @Field(() => Int) version!: number;
}

@InputType()
export class WishlistItemInput implements wire.WishlistItemInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) customerId!: string;
  @Field(() => ID) productId!: string;
}

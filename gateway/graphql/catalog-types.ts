import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type * as wire from '../../schema/index.js';
import type { ProductsArgs, ProductView } from '../../schema/index.js';
import { PageInfo } from './common-types.js';
import { DateTimeScalar, DecimalScalar } from './scalars.js';

@ObjectType()
export class Product implements Omit<ProductView, 'revision'> {
  @Field(() => ID) id!: string;
  @Field(() => String) sku!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String) category!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => String, { description: 'ISO 4217 code of the price, e.g. USD.' }) currency!: string;
  @Field(() => Int) availableQuantity!: number;
  @Field(() => Boolean) inStock!: boolean;
  @Field(() => Float, { nullable: true }) averageRating!: number | null;
  @Field(() => Int) reviewCount!: number;
  @Field(() => Boolean) discontinued!: boolean;
  @Field(() => Int) version!: number;
  @Field(() => DateTimeScalar) updatedAt!: string;
}

@ObjectType()
export class ProductEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Product) node!: Product;
}

@ObjectType()
export class ProductConnection {
  @Field(() => [ProductEdge]) edges!: ProductEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@InputType()
export class ProductFilter implements NonNullable<ProductsArgs['filter']> {
  @Field(() => String, { nullable: true }) category?: string | null;
  @Field(() => Boolean, { nullable: true }) inStock?: boolean | null;
  @Field(() => DecimalScalar, { nullable: true }) minPrice?: string | null;
  @Field(() => DecimalScalar, { nullable: true }) maxPrice?: string | null;
}

export enum ProductSort {
  RELEVANCE = 'RELEVANCE',
  TITLE = 'TITLE',
  PRICE_ASC = 'PRICE_ASC',
  PRICE_DESC = 'PRICE_DESC',
  RATING = 'RATING',
  NEWEST = 'NEWEST',
}
registerEnumType(ProductSort, { name: 'ProductSort' });

@InputType()
export class CreateProductInput implements wire.CreateProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID, { nullable: true, description: 'Optional client-chosen id (UUID); generated when absent.' }) id?: string | null;
  @Field(() => String) sku!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String) category!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => String, { nullable: true, description: 'ISO 4217 code of the price, three capital letters (e.g. "EUR"); USD when absent.' })
  currency?: string | null;
  @Field(() => Int, { nullable: true }) initialStock?: number | null;
}

@InputType()
export class RenameProductInput implements wire.RenameProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) id!: string;
  @Field(() => String) title!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
}

@InputType()
export class ChangeProductPriceInput implements wire.ChangeProductPriceInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) id!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
}

@InputType()
export class RestockProductInput implements wire.RestockProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) id!: string;
  @Field(() => Int) quantity!: number;
}

@InputType()
export class DiscontinueProductInput implements wire.DiscontinueProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number | null;
}

import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from './common-types.js';
import { DateTimeScalar, DecimalScalar } from './scalars.js';

@ObjectType()
export class Product {
  @Field(() => ID) id!: string;
  @Field(() => String) sku!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => String) category!: string;
  @Field(() => DecimalScalar) price!: string;
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
export class ProductFilter {
  @Field(() => String, { nullable: true }) category?: string;
  @Field(() => Boolean, { nullable: true }) inStock?: boolean;
  @Field(() => DecimalScalar, { nullable: true }) minPrice?: string;
  @Field(() => DecimalScalar, { nullable: true }) maxPrice?: string;
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
export class CreateProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string;
  @Field(() => ID, { nullable: true, description: 'Optional client-chosen id (UUID); generated when absent.' }) id?: string;
  @Field(() => String) sku!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) description?: string;
  @Field(() => String) category!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => Int, { nullable: true }) initialStock?: number;
}

@InputType()
export class RenameProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string;
  @Field(() => ID) id!: string;
  @Field(() => String) title!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number;
}

@InputType()
export class ChangeProductPriceInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string;
  @Field(() => ID) id!: string;
  @Field(() => DecimalScalar) price!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number;
}

@InputType()
export class RestockProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string;
  @Field(() => ID) id!: string;
  @Field(() => Int) quantity!: number;
}

@InputType()
export class DiscontinueProductInput {
  @Field(() => String, { nullable: true }) idempotencyKey?: string;
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) expectedVersion?: number;
}

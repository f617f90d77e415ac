/**
 * The CRUD baseline's model: MikroORM entities over normalized tables (products, customers,
 * orders, order_lines), as a team without events would write them. Every property states its
 * type, so nothing depends on emitted decorator metadata. Declared in dependency order (a class
 * is referenced by the ones after it).
 */
import { randomUUID } from 'node:crypto';
import { Collection, Entity, Index, ManyToOne, OneToMany, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { FullTextType } from '@mikro-orm/postgresql';

/** Everything lives under one tenant in the baseline; the column is there as in a real schema. */
export const TENANT = 'bench';

@Entity({ tableName: 'customers' })
@Unique({ properties: ['tenant', 'email'] })
export class Customer {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  tenant: string = TENANT;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text' })
  region!: string;

  @Property({ type: 'integer', version: true })
  version!: number;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}

@Entity({ tableName: 'products' })
@Unique({ properties: ['tenant', 'sku'] })
export class Product {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  tenant: string = TENANT;

  @Property({ type: 'text' })
  sku!: string;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  @Property({ type: 'text' })
  category!: string;

  /** Decimals come back from PostgreSQL as strings: exact, never a float. */
  @Property({ type: 'decimal', precision: 12, scale: 2 })
  price!: string;

  @Property({ type: 'integer' })
  stock: number = 0;

  @Property({ type: 'integer' })
  reserved: number = 0;

  @Property({ type: 'integer', version: true })
  version!: number;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** Full-text search over title and description, kept by PostgreSQL; never selected. */
  @Index({ type: 'fulltext' })
  @Property({
    type: new FullTextType('english'),
    generated:
      "(setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')) stored",
    lazy: true,
    nullable: true,
  })
  search?: string;
}

@Entity({ tableName: 'orders' })
export class Order {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  tenant: string = TENANT;

  @ManyToOne({ entity: () => Customer, index: true })
  customer!: Customer;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'decimal', precision: 14, scale: 2 })
  total!: string;

  @OneToMany({ entity: () => OrderLine, mappedBy: 'order' })
  lines: Collection<OrderLine> = new Collection<OrderLine>(this);

  @Property({ type: 'integer', version: true })
  version!: number;

  @Property({ type: 'datetime' })
  placedAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

@Entity({ tableName: 'order_lines' })
export class OrderLine {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({ entity: () => Order, index: true })
  order!: Order;

  @ManyToOne({ entity: () => Product })
  product!: Product;

  @Property({ type: 'integer' })
  quantity!: number;

  /** The price when ordered. */
  @Property({ type: 'decimal', precision: 12, scale: 2 })
  unitPrice!: string;
}

export const ENTITIES = [Customer, Product, Order, OrderLine];

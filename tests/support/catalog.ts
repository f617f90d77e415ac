import { randomUUID } from 'node:crypto';
import { gqlData } from './graphql-client.js';

export const CREATE_PRODUCT = `mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { aggregateId version consistencyToken correlationId replayed }
}`;

export const PRODUCT_FIELDS =
  'id sku title description category price availableQuantity inStock averageRating reviewCount discontinued version updatedAt';

export interface CommandResultData {
  aggregateId: string;
  version: number;
  consistencyToken: string;
  correlationId: string;
  replayed: boolean;
}

export function productInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sku: `SKU-${randomUUID().slice(0, 8).toUpperCase()}`,
    title: 'Enamel camping mug',
    description: 'A sturdy mug for the trail',
    category: 'kitchen',
    price: '12.50',
    initialStock: 10,
    ...overrides,
  };
}

export async function createProduct(
  url: string,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<CommandResultData> {
  const data = await gqlData<{ createProduct: CommandResultData }>(url, CREATE_PRODUCT, { input: productInput(overrides) }, headers);
  return data.createProduct;
}

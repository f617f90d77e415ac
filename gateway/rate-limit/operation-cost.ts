import { OperationTypeNode } from 'graphql';
import type { RateLimitConfig } from '../../platform/index.js';

/**
 * The points an operation spends of its caller's rate limits: a mutation appends events and
 * waits for their publication, so it costs `mutationCost`; a query, or a subscription as it
 * starts, costs `queryCost`. An operation the document does not name (it will fail validation
 * or selection anyway) costs a query's points.
 */
export function operationCost(
  operation: OperationTypeNode | undefined,
  config: Pick<RateLimitConfig, 'queryCost' | 'mutationCost'>,
): number {
  return operation === OperationTypeNode.MUTATION ? config.mutationCost : config.queryCost;
}

import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { queryTooComplex } from './limit-error.js';
import type { Limits } from './limits-config.js';

/**
 * A list's length by its argument when the client leaves it out, and the most the read-service
 * serves (read-service/queries: `first` 20 by default, `limit` 10, both at most 100). A larger
 * value is costed as the most: the read-service refuses it with BAD_USER_INPUT on `first`.
 */
const PAGE_ARGUMENTS: Readonly<Record<string, number>> = { first: 20, limit: 10 };
const MAX_PAGE = 100;

/**
 * The cost model, as graphql-query-complexity estimators:
 * - every field costs 1, plus what it selects;
 * - a field taking `first` or `limit` (a page, a top list) selects that many times what it
 *   selects (its default when absent): `products(first: 100) { edges { node { id title } } }`
 *   costs 1 + 100 x (1 + 1 + 2) = 401;
 * - a field given a consistency token adds `consistencyTokenCost`: the read-service holds a
 *   waiter until its read models reach the token;
 * - other lists (an order's lines, a timeline) count once: their length is bounded by the
 *   domain, not by the client.
 */
export function costEstimators(limits: Pick<Limits, 'consistencyTokenCost'>): ComplexityEstimator[] {
  const pagedAndTokened: ComplexityEstimator = ({ field, args, childComplexity }) => {
    let times = 1;
    for (const argument of field.args) {
      const fallback = PAGE_ARGUMENTS[argument.name];
      if (fallback !== undefined) times = pageSize(args[argument.name], fallback);
    }
    const waits = field.args.some((a) => a.name === 'consistencyToken') && typeof args.consistencyToken === 'string';
    return 1 + (waits ? limits.consistencyTokenCost : 0) + times * childComplexity;
  };
  return [pagedAndTokened, simpleEstimator({ defaultComplexity: 1 })];
}

function pageSize(value: unknown, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(Math.max(Math.trunc(value), 0), MAX_PAGE);
}

/** The arguments whose values the cost model reads: a variable passed to one of them changes the cost. */
const COSTED_ARGUMENTS = new Set([...Object.keys(PAGE_ARGUMENTS), 'consistencyToken']);
/** Most costs remembered per document (one per operation and values of its costed variables). */
const COSTS_PER_DOCUMENT = 256;

interface DocumentCosts {
  /** The variables the document passes to costed arguments, in a fixed order. */
  costedVariables: string[];
  costs: Map<string, number | undefined>;
}

/**
 * Costs by document (the parsed document Apollo and the socket's document cache reuse for a
 * query text), then by operation and the values of the variables the cost reads: a lookup by
 * `product(id: $id)` is costed once, not at every request (walking a document with its
 * variables cost about a third of the fastest path's throughput).
 */
const costsByDocument = new WeakMap<DocumentNode, DocumentCosts>();

/**
 * The cost of the operation to run, or undefined when it cannot be known: variables that do not
 * coerce, which execution refuses before any resolver runs.
 */
export function operationCost(
  schema: GraphQLSchema,
  estimators: ComplexityEstimator[],
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): number | undefined {
  let known = costsByDocument.get(document);
  if (!known) {
    known = { costedVariables: costedVariablesOf(document), costs: new Map() };
    costsByDocument.set(document, known);
  }
  const key = JSON.stringify([operationName ?? null, ...known.costedVariables.map((name) => variables?.[name] ?? null)]);
  if (known.costs.has(key)) return known.costs.get(key);
  const cost = computeCost(schema, estimators, document, operationName, variables);
  if (known.costs.size >= COSTS_PER_DOCUMENT) known.costs.clear();
  known.costs.set(key, cost);
  return cost;
}

function costedVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (COSTED_ARGUMENTS.has(node.name.value) && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names].sort();
}

function computeCost(
  schema: GraphQLSchema,
  estimators: ComplexityEstimator[],
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): number | undefined {
  try {
    return getComplexity({
      schema,
      estimators,
      query: document,
      ...(operationName ? { operationName } : {}),
      variables: variables ?? {},
    });
  } catch {
    return undefined;
  }
}

/** Apollo's side: an operation over `maxCost` is refused once it is resolved, before it runs. */
export function costLimitPlugin(schema: GraphQLSchema, limits: Pick<Limits, 'maxCost' | 'consistencyTokenCost'>): ApolloServerPlugin {
  const estimators = costEstimators(limits);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, request }) {
          const cost = operationCost(schema, estimators, document, operationName, request.variables);
          if (cost !== undefined && cost > limits.maxCost) throw queryTooComplex('cost', limits.maxCost, cost);
        },
      };
    },
  };
}

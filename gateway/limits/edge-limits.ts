import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type FormattedExecutionResult, type GraphQLSchema, type ValidationRule } from 'graphql';
import { createArmor, hideSuggestions, parseOptionsOf } from './armor.js';
import { costEstimators, costLimitPlugin, operationCost } from './cost.js';
import { limitErrorOf, queryTooComplex } from './limit-error.js';
import type { Limits } from './limits-config.js';
import { capResult, cappedStringify } from './response-cap.js';

/** What Apollo is given: its options for the limits, and the error to format in place of one a limit raised. */
export interface ApolloLimits {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin[];
  parseOptions: { maxTokens: number };
  stringifyResult: (result: FormattedExecutionResult) => string;
}

/** The same limits for graphql-ws, which has no Apollo plugins. */
export interface WebSocketLimits {
  validationRules: ValidationRule[];
  maxTokens: number;
  /** The error a document refused by parse or validation answers with: a limit's, or undefined for graphql's own. */
  refusal(error: GraphQLError): GraphQLError | undefined;
  /** QUERY_TOO_COMPLEX when the operation costs too much. */
  costError(document: DocumentNode, operationName?: string | null, variables?: Record<string, unknown> | null): GraphQLError | undefined;
  /** A result over the response cap as its replacement. */
  capResult(result: FormattedExecutionResult): FormattedExecutionResult | undefined;
}

export interface EdgeLimits {
  limits: Limits;
  apollo: ApolloLimits;
  webSocket: WebSocketLimits;
}

/**
 * The edge's limits, the same on HTTP and WebSocket and all checked before anything runs:
 * tokens while parsing; depth, aliases, directives and root fields while validating (the
 * document's shape, cached with it over WebSocket); cost once the operation and its variables
 * are known; the answer's size as it is serialized. Each refusal is QUERY_TOO_COMPLEX.
 */
export function createEdgeLimits(schema: GraphQLSchema, limits: Limits): EdgeLimits {
  const armor = createArmor(limits);
  const estimators = costEstimators(limits);
  return {
    limits,
    apollo: {
      validationRules: armor.validationRules,
      plugins: [...armor.plugins, costLimitPlugin(schema, limits)],
      parseOptions: parseOptionsOf(limits),
      stringifyResult: cappedStringify(limits),
    },
    webSocket: {
      validationRules: armor.validationRules,
      maxTokens: limits.maxTokens,
      refusal: (error) => {
        const limit = limitErrorOf(error);
        if (limit || !limits.hideSuggestions) return limit;
        const message = hideSuggestions(error.message);
        return message === error.message
          ? undefined
          : new GraphQLError(message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      },
      costError: (document, operationName, variables) => {
        const cost = operationCost(schema, estimators, document, operationName, variables);
        return cost !== undefined && cost > limits.maxCost ? queryTooComplex('cost', limits.maxCost, cost) : undefined;
      },
      capResult: (result) => capResult(limits, result),
    },
  };
}

import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLError, ValidationContext, ValidationRule } from 'graphql';
import { queryTooComplex, type LimitName } from './limit-error.js';
import type { Limits } from './limits-config.js';
import { maxRootFieldsRule } from './root-fields-rule.js';

export interface Armor {
  /** Depth, aliases, directives (graphql-armor) and root fields, as validation rules: the same on HTTP and WebSocket. */
  validationRules: ValidationRule[];
  /** Apollo's plugins: armor's hiding of field suggestions, when on. */
  plugins: ApolloServerPlugin[];
}

/** armor's messages end "..., found N." when they expose the limit. */
const FOUND = /found (\d+)\.?$/;

/**
 * graphql-armor's protections for Apollo, each refusal reported as QUERY_TOO_COMPLEX with the
 * limit exceeded (armor's own report is a BAD_USER_INPUT "Syntax Error: ..."). Armor's cost
 * limit stays off (cost.ts has the model, with graphql-query-complexity), and so does its token
 * limit, which on Apollo parses every document a second time and fails as a 500: the parser's
 * own `maxTokens` does the same count in the one parse (see parseOptions).
 */
export function createArmor(limits: Limits): Armor {
  const reject =
    (limit: LimitName, max: number) =>
    (context: ValidationContext | null, error: GraphQLError): void => {
      const found = FOUND.exec(error.message)?.[1];
      context?.reportError(queryTooComplex(limit, max, found === undefined ? undefined : Number(found)));
    };
  const protection = (limit: LimitName, n: number) => ({
    n,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [reject(limit, n)],
  });
  const { validationRules, plugins } = new ApolloArmor({
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: protection('depth', limits.maxDepth),
    maxAliases: protection('aliases', limits.maxAliases),
    maxDirectives: protection('directives', limits.maxDirectives),
    blockFieldSuggestion: { enabled: limits.hideSuggestions },
  }).protect();
  const rootFields = maxRootFieldsRule(limits.maxRootFields, (_context, found) =>
    queryTooComplex('rootFields', limits.maxRootFields, found),
  );
  // armor's types name @apollo/server's CommonJS declarations; the plugin is the same object to the ESM server.
  return { validationRules: [...validationRules, rootFields], plugins: plugins as unknown as ApolloServerPlugin[] };
}

/** graphql-js's parse options for the token limit: the parser stops at the first token over. */
export function parseOptionsOf(limits: Limits): { maxTokens: number } {
  return { maxTokens: limits.maxTokens };
}

/** Validation errors as armor's blockFieldSuggestion leaves them: no "Did you mean ...?" (for the WebSocket, which has no Apollo plugins). */
export function hideSuggestions(message: string): string {
  return message.replace(/ ?Did you mean ".+"\?/g, '').trim();
}

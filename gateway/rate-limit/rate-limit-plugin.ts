import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { AppError } from '../../schema/index.js';
import type { GatewayContext } from '../context.js';
import type { RateLimits } from './rate-limits.js';

/**
 * Spends each HTTP operation's points once its operation is known (mutation or query) and
 * before it executes; an exhausted limit answers RATE_LIMITED with `extensions.retryAfter`,
 * HTTP 429 and a Retry-After header, and nothing reaches the services.
 */
export function rateLimitPlugin(limits: RateLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          const refusal = await limits.check(contextValue.principal, operation?.operation);
          if (refusal) throw rateLimitedOverHttp(refusal);
        },
      };
    },
  };
}

/** The refusal as Apollo sends it: status 429 and Retry-After (what the client reads is normalizeError's). */
function rateLimitedOverHttp(refusal: AppError): GraphQLError {
  const retryAfter = Number(refusal.details?.retryAfter ?? 1).toString();
  return new GraphQLError(refusal.message, {
    originalError: refusal,
    extensions: { http: { status: 429, headers: new HeaderMap([['retry-after', retryAfter]]) } },
  });
}

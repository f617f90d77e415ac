import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from '../platform/index.js';
import { normalizeError } from './normalize-error.js';

/** Times every GraphQL request over HTTP by operation type and outcome (`ok` or the first error's code). */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, errors }) {
          const code = errors?.[0] && normalizeError(errors[0]).extensions?.code;
          metrics.graphqlDuration.observe(
            { operation: operation?.operation ?? 'unknown', outcome: errors?.length ? (typeof code === 'string' ? code : 'error') : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}

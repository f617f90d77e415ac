import type { ApolloServerPlugin } from '@apollo/server';
import { logMs, type Logger, type Metrics } from '../platform/index.js';
import { normalizeError } from './normalize-error.js';

/**
 * Times every GraphQL request over HTTP by operation type and outcome (`ok` or the first error's
 * code), and logs it at debug (one line per operation, in the request's log context: its
 * correlation id and trace id).
 */
export function metricsPlugin(metrics: Metrics, logger?: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, operationName, errors }) {
          const code = errors?.[0] && normalizeError(errors[0]).extensions?.code;
          const outcome = errors?.length ? (typeof code === 'string' ? code : 'error') : 'ok';
          const seconds = (performance.now() - started) / 1000;
          metrics.graphqlDuration.observe({ operation: operation?.operation ?? 'unknown', outcome }, seconds);
          if (logger?.isLevelEnabled('debug'))
            logger.debug({ operation: operation?.operation, operationName, outcome, ms: logMs(seconds) }, 'operation');
        },
      };
    },
  };
}

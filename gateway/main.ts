import { startTelemetry } from '../platform/telemetry/index.js';

// Tracing first: its instrumentations (GraphQL, HTTP) must be in place before those modules load.
const telemetry = await startTelemetry('gateway');
const { loadConfig, createLogger, runMain } = await import('../platform/index.js');
const { startGateway } = await import('./gateway.js');

const config = loadConfig();
const logger = createLogger('gateway', config.logLevel);
await runMain(logger, async () => {
  const gateway = await startGateway(config, logger);
  const explorer = config.explorer ? `${gateway.url}/explorer` : 'off (EXPLORER=on serves it)';
  process.stdout.write(`\n  GraphQL endpoint: ${gateway.url}/graphql\n  Explorer:         ${explorer}\n\n`);
  return telemetry.around(gateway);
});

import { loadConfig, createLogger, runMain } from '../platform/index.js';
import { startGateway } from './gateway.js';

const config = loadConfig();
const logger = createLogger('gateway', config.logLevel);
await runMain(logger, async () => {
  const gateway = await startGateway(config, logger);
  const explorer = config.explorer ? `${gateway.url}/explorer` : 'off (EXPLORER=on serves it)';
  process.stdout.write(`\n  GraphQL endpoint: ${gateway.url}/graphql\n  Explorer:         ${explorer}\n\n`);
  return gateway;
});

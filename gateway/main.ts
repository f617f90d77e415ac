import { loadConfig, createLogger, runMain } from '../platform/index.js';
import { startGateway } from './gateway.js';

const config = loadConfig();
const logger = createLogger('gateway', config.logLevel);
await runMain(logger, async () => {
  const gateway = await startGateway(config, logger);
  process.stdout.write(`\n  GraphQL endpoint: ${gateway.url}/graphql\n  Explorer:         ${gateway.url}/explorer\n\n`);
  return gateway;
});

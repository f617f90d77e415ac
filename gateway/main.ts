import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { runMain } from '../platform/process.js';
import { startGateway } from './gateway.js';

const config = loadConfig();
const logger = createLogger('gateway', config.logLevel);
await runMain(logger, async () => {
  const gateway = await startGateway(config, logger);
  process.stdout.write(`\n  GraphQL endpoint: ${gateway.url}/graphql\n  Explorer:         ${gateway.url}/explorer\n\n`);
  return gateway;
});

import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { runMain } from '../platform/process.js';
import { startReadService } from './read-service.js';

const config = loadConfig();
const logger = createLogger('read-service', config.logLevel);
await runMain(logger, () => startReadService(config, logger));

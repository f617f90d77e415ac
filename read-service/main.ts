import { loadConfig, createLogger, runMain } from '../platform/index.js';
import { startReadService } from './read-service.js';

const config = loadConfig();
const logger = createLogger('read-service', config.logLevel);
await runMain(logger, () => startReadService(config, logger));

import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { runMain } from '../platform/process.js';
import { startWriteService } from './write-service.js';

const config = loadConfig();
const logger = createLogger('write-service', config.logLevel);
await runMain(logger, () => startWriteService(config, logger));

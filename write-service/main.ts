import { loadConfig, createLogger, runMain } from '../platform/index.js';
import { startWriteService } from './write-service.js';

const config = loadConfig();
const logger = createLogger('write-service', config.logLevel);
await runMain(logger, () => startWriteService(config, logger));

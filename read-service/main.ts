import { startTelemetry } from '../platform/telemetry/index.js';

// Tracing first: its instrumentations (pg) must be in place before those modules load.
const telemetry = await startTelemetry('read-service');
const { loadConfig, createLogger, runMain } = await import('../platform/index.js');
const { startReadService } = await import('./read-service.js');

const config = loadConfig();
const logger = createLogger('read-service', config.logLevel);
await runMain(logger, async () => telemetry.around(await startReadService(config, logger)));

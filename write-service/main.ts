import { startTelemetry } from '../platform/telemetry/index.js';

// Tracing first: its instrumentations (pg) must be in place before those modules load.
const telemetry = await startTelemetry('write-service');
const { loadConfig, createLogger, runMain } = await import('../platform/index.js');
const { startWriteService } = await import('./write-service.js');

const config = loadConfig();
const logger = createLogger('write-service', config.logLevel);
await runMain(logger, async () => telemetry.around(await startWriteService(config, logger)));

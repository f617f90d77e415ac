/**
 * `npm start`: runs the write-service, the read-service and the gateway as three processes
 * (each creates its database, tables, stream and consumers when missing), prefixes their
 * output, says where the API, the explorer and each service's metrics are once all three are
 * ready, and stops all three when one exits or on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import PinoPretty from 'pino-pretty';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const services = [
  { name: 'write', entry: 'write-service/main.js', ready: 'write-service ready' },
  { name: 'read', entry: 'read-service/main.js', ready: 'read-service ready' },
  { name: 'gateway', entry: 'gateway/main.js', ready: 'gateway ready' },
];
/**
 * The services log JSON into the pipes read here; on a terminal (or LOG_FORMAT=pretty) each
 * line is shown readable and coloured, as a service run alone on a terminal shows it.
 */
const format = process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
const pretty =
  format === 'pretty'
    ? PinoPretty.prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
    : undefined;
function shown(line: string): string {
  if (!pretty || !line.startsWith('{')) return `${line}\n`;
  try {
    return pretty(line);
  } catch {
    return `${line}\n`;
  }
}

/** What each service said in its ready line (its JSON log): its URLs. */
const ready = new Map<string, { url?: string; explorer?: string; metrics?: string }>();

/** Notes a service's ready line; once all three are ready, says where to go. */
function noteReady(service: (typeof services)[number], line: string): void {
  if (ready.has(service.name) || !line.includes(service.ready)) return;
  let info: { url?: string; explorer?: string; metrics?: string } = {};
  try {
    info = JSON.parse(line) as typeof info;
  } catch {
    // not JSON (a pretty-printed log): the service printed its URLs itself
  }
  ready.set(service.name, info);
  if (ready.size === services.length) {
    const gateway = ready.get('gateway')!;
    // A service whose ready line names no metrics address serves none (METRICS_PORT=off).
    const metrics = (name: string) => {
      const info = ready.get(name)!;
      return info.metrics ?? (Object.keys(info).length === 0 ? `(see the ${name} above)` : 'off');
    };
    process.stdout.write(
      [
        '',
        '  All three services are ready.',
        `  GraphQL endpoint: ${gateway.url ?? '(see the gateway above)'}`,
        `  Explorer:         ${gateway.explorer ?? '(see the gateway above)'}`,
        `  Metrics:          gateway        ${metrics('gateway')}`,
        `                    write-service  ${metrics('write')}`,
        `                    read-service   ${metrics('read')}`,
        '',
        '',
      ].join('\n'),
    );
  }
}

const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  void Promise.all(
    children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))),
  ).then(() => process.exit(code));
}

for (const service of services) {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(dist, service.entry)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_FORMAT: 'json' },
  });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        process.stdout.write(`[${service.name}] ${shown(line)}`);
        noteReady(service, line);
      }
    });
  }
  child.on('exit', (code) => {
    if (!stopping) {
      process.stdout.write(`[${service.name}] exited with ${code}; stopping the others\n`);
      stopAll(code ?? 1);
    }
  });
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../platform/config.js';
import { cleanupNamespace, testConfig, uniqueNamespace } from './namespace.js';
import { waitFor } from './wait.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRIES = { write: 'write-service/main.js', read: 'read-service/main.js', gateway: 'gateway/main.js' } as const;
const READY = { write: 'write-service ready', read: 'read-service ready', gateway: 'gateway ready' } as const;
export type ServiceName = keyof typeof ENTRIES;

interface Running {
  child: ChildProcess;
  lines: string[];
  /** The service's ready line (JSON: its url, metrics address...). */
  ready: Record<string, unknown>;
}

/**
 * The whole system as real processes in a namespace of its own: what `npm start` runs,
 * driven by a test. Services can be stopped, killed and started again.
 */
export class TestSystem {
  readonly config: Config;
  readonly env: Record<string, string>;
  /** Running processes by name: the service's name, or a replica's (`write#2`). */
  private readonly running = new Map<string, Running>();
  url = '';

  private constructor(label: string, env: Record<string, string>) {
    const namespace = uniqueNamespace(label);
    this.env = { NAMESPACE: namespace, LOG_LEVEL: 'info', PORT: '0', ...env };
    this.config = testConfig(namespace, this.env);
  }

  static async start(label: string, env: Record<string, string> = {}, services: ServiceName[] = ['write', 'read', 'gateway']): Promise<TestSystem> {
    const system = new TestSystem(label, env);
    // Databases and stream first, so that concurrent starts do not race on creating them.
    for (const service of services) await system.startService(service);
    return system;
  }

  get graphqlUrl(): string {
    return `${this.url}/graphql`;
  }

  /** Starts a service, or with `as` another replica of it under that name. */
  async startService(service: ServiceName, as: string = service): Promise<void> {
    if (this.running.has(as)) throw new Error(`${as} is already running`);
    // SERVICE_NODE_ARGS: extra flags for the services' node (e.g. --cpu-prof, which NODE_OPTIONS refuses).
    const nodeArgs = (this.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, path.join(dist, ENTRIES[service])], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const running: Running = { child, lines: [], ready: {} };
    this.running.set(as, running);
    let rest = '';
    const onData = (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      running.lines.push(...lines);
      if (process.env.TEST_SERVICE_LOGS) for (const line of lines) process.stderr.write(`[${as}] ${line}\n`);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const line = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}:\n${running.lines.join('\n')}`);
      return running.lines.find((l) => l.includes(READY[service]));
    }, { timeoutMs: 30_000, what: `${as} to start` });
    running.ready = JSON.parse(line) as Record<string, unknown>;
    if (as === 'gateway') this.url = (running.ready as { url: string }).url.replace(/\/graphql$/, '');
  }

  /** What a running service said in its ready line (`url`, `metrics`...). */
  readyInfo(name: string): Record<string, unknown> {
    const running = this.running.get(name);
    if (!running) throw new Error(`${name} is not running`);
    return running.ready;
  }

  /** Stops a service: SIGTERM (graceful) by default, SIGKILL to simulate a crash. */
  async stopService(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    this.running.delete(name);
    if (running.child.exitCode !== null) return;
    const exited = new Promise((resolve) => running.child.once('exit', resolve));
    running.child.kill(signal);
    await exited;
  }

  /** Process ids of the running services (for memory readings). */
  pids(): Partial<Record<string, number>> {
    return Object.fromEntries([...this.running.entries()].map(([service, running]) => [service, running.child.pid]));
  }

  logs(name: string): string[] {
    return this.running.get(name)?.lines ?? [];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stopService(name)));
    await cleanupNamespace(this.config);
  }
}

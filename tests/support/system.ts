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
/**
 * Unless a test says otherwise: the services' metrics on any free port (their defaults, 9464 and
 * 9465, would collide between tests, replicas and a system started by hand); the gateway's on
 * its API port, as by default.
 */
const METRICS_DEFAULTS: Record<ServiceName, Record<string, string>> = {
  write: { METRICS_PORT: '0' },
  read: { METRICS_PORT: '0' },
  gateway: {},
};

interface Running {
  child: ChildProcess;
  lines: string[];
  /** The service's ready line (JSON: its url, metrics address...). */
  ready: Record<string, unknown>;
  /** Stopped by SIGSTOP and not yet continued. */
  paused: boolean;
}

export interface TestSystemOptions {
  /**
   * Environment of one service only, over the system's: e.g. its own NATS_URL (a proxy in front
   * of the server, so that a fault hits that service alone) or a fixed PORT for the gateway.
   * The system's own `env` (and `config`) keep naming the real servers, for setup and cleanup.
   */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Another build's dist folder to run the services from (the benchmark's baseline of an earlier commit). */
  dist?: string;
}

/** How long a stopping service may take before it is killed (a test's cleanup never hangs). */
const STOP_DEADLINE_MS = 15_000;

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

  private constructor(
    label: string,
    env: Record<string, string>,
    private readonly options: TestSystemOptions,
  ) {
    const namespace = uniqueNamespace(label);
    this.env = { NAMESPACE: namespace, LOG_LEVEL: 'info', PORT: '0', ...env };
    this.config = testConfig(namespace, this.env);
  }

  static async start(
    label: string,
    env: Record<string, string> = {},
    services: ServiceName[] = ['write', 'read', 'gateway'],
    options: TestSystemOptions = {},
  ): Promise<TestSystem> {
    const system = new TestSystem(label, env, options);
    try {
      // Databases and stream first, so that concurrent starts do not race on creating them.
      for (const service of services) await system.startService(service);
    } catch (error) {
      await system.stop().catch(() => undefined);
      throw error;
    }
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
    const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, path.join(this.options.dist ?? dist, ENTRIES[service])], {
      env: { ...process.env, ...METRICS_DEFAULTS[service], ...this.env, ...this.options.serviceEnv?.[service] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const running: Running = { child, lines: [], ready: {}, paused: false };
    this.running.set(as, running);
    let rest = '';
    const onData = (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      running.lines.push(...lines);
      if (process.env.TEST_SERVICE_LOGS) for (const line of lines) process.stderr.write(`[${as}] ${line}\n`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const line = await waitFor(
      () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          this.running.delete(as);
          throw new Error(`${service} exited with ${child.exitCode ?? child.signalCode}:\n${running.lines.join('\n')}`);
        }
        return running.lines.find((l) => l.includes(READY[service]));
      },
      { timeoutMs: 30_000, what: `${as} to start` },
    );
    running.ready = JSON.parse(line) as Record<string, unknown>;
    if (as === 'gateway') this.url = (running.ready as { url: string }).url.replace(/\/graphql$/, '');
  }

  /** What a running service said in its ready line (`url`, `metrics`...). */
  readyInfo(name: string): Record<string, unknown> {
    const running = this.running.get(name);
    if (!running) throw new Error(`${name} is not running`);
    return running.ready;
  }

  /**
   * Stops a service: SIGTERM (graceful) by default, SIGKILL to simulate a crash. A paused
   * service is continued first; one that has not exited after a deadline is killed.
   */
  async stopService(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    this.running.delete(name);
    const { child } = running;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    if (running.paused && signal !== 'SIGKILL') child.kill('SIGCONT');
    const deadline = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(deadline);
  }

  /** Freezes a service (SIGSTOP): it keeps its sockets and locks but answers nothing. */
  pauseService(name: string): void {
    const running = this.running.get(name);
    if (!running) throw new Error(`${name} is not running`);
    running.child.kill('SIGSTOP');
    running.paused = true;
  }

  /** Continues a paused service (SIGCONT). */
  resumeService(name: string): void {
    const running = this.running.get(name);
    if (!running) throw new Error(`${name} is not running`);
    running.child.kill('SIGCONT');
    running.paused = false;
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

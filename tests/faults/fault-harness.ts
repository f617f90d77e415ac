import { randomBytes } from 'node:crypto';
import { freePort } from '../support/private-nats.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestSystem, type ServiceName } from '../support/system.js';
import { signToken } from '../support/tokens.js';
import { InvariantChecker } from './invariants.js';
import { RetryingClient } from './retrying-client.js';

/** The gateway's wait for a service: short, so that a pause longer than it is quick to inject. */
export const REQUEST_TIMEOUT_MS = 2000;
const SERVICES: ServiceName[] = ['write', 'read', 'gateway'];

export interface HarnessOptions {
  /** The NATS server(s) the system uses (comma-separated); the machine's by default. */
  natsUrl?: string;
  /** Put a TcpProxy between each service and NATS (a single server only). */
  proxies?: boolean;
  writeDatabaseUrl?: string;
  readDatabaseUrl?: string;
  /** More environment for every service (e.g. STREAM_REPLICAS). */
  env?: Record<string, string>;
}

/**
 * The three real services in a namespace of their own, each (optionally) reaching NATS through
 * a TcpProxy of its own, so that a connection fault hits exactly one service; the gateway on a
 * fixed port, so that clients find it again after it restarts; the checker's connections.
 */
export class FaultHarness {
  private constructor(
    readonly system: TestSystem,
    readonly proxies: Partial<Record<ServiceName, TcpProxy>>,
    readonly checker: InvariantChecker,
  ) {}

  static async start(label: string, options: HarnessOptions = {}): Promise<FaultHarness> {
    const natsUrl = options.natsUrl ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
    const proxies: Partial<Record<ServiceName, TcpProxy>> = {};
    let system: TestSystem | undefined;
    try {
      if (options.proxies) {
        const target = new URL(natsUrl.split(',')[0]!);
        for (const service of SERVICES)
          proxies[service] = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 4222) });
      }
      const serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = { gateway: { PORT: String(await freePort()) } };
      for (const service of SERVICES) {
        const proxy = proxies[service];
        if (proxy) serviceEnv[service] = { ...serviceEnv[service], NATS_URL: proxy.url() };
      }
      const env: Record<string, string> = {
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        NATS_URL: natsUrl,
        ...(options.writeDatabaseUrl ? { WRITE_DATABASE_URL: options.writeDatabaseUrl } : {}),
        ...(options.readDatabaseUrl ? { READ_DATABASE_URL: options.readDatabaseUrl } : {}),
        ...options.env,
      };
      system = await TestSystem.start(label, env, SERVICES, { serviceEnv });
      const checker = new InvariantChecker(system.config.writeDatabaseUrl, system.config.readDatabaseUrl);
      return new FaultHarness(system, proxies, checker);
    } catch (error) {
      await system?.stop().catch(() => undefined);
      await Promise.allSettled(Object.values(proxies).map((p) => p.stop()));
      throw error;
    }
  }

  /** The environment `npm run verify` needs to look at this system. */
  get verifyEnv(): Record<string, string> {
    const { config } = this.system;
    return {
      NAMESPACE: config.namespace,
      NATS_URL: config.natsUrl,
      WRITE_DATABASE_URL: config.writeDatabaseUrl,
      READ_DATABASE_URL: config.readDatabaseUrl,
    };
  }

  /** A tenant of its own for one scenario, an admin token for it, and a retrying client that uses it. */
  async tenant(label: string): Promise<{ tenant: string; authorization: string; client: RetryingClient }> {
    const tenant = `f-${label
      .replace(/[^a-z0-9]+/gi, '-')
      .toLowerCase()
      .slice(0, 40)}-${randomBytes(3).toString('hex')}`;
    const authorization = `Bearer ${await signToken(this.system.config.jwtSecret ?? '', { sub: 'fault-load', tenant, roles: ['admin'] }, '2h')}`;
    const client = new RetryingClient({
      url: () => this.system.graphqlUrl,
      headers: { authorization },
      attemptTimeoutMs: REQUEST_TIMEOUT_MS * 2 + 2000,
      giveUpAfterMs: 120_000,
    });
    return { tenant, authorization, client };
  }

  async stop(): Promise<void> {
    // The services first, while their proxies still carry their goodbyes to NATS.
    await this.system.stop();
    await Promise.allSettled(Object.values(this.proxies).map((p) => p.stop()));
  }
}

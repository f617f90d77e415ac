import net from 'node:net';

/** Which way bytes flow: from the server to the client, from the client to the server, or both. */
export type Direction = 'toClient' | 'toServer' | 'both';

interface Pair {
  client: net.Socket;
  server: net.Socket;
}

/**
 * A TCP proxy on 127.0.0.1 that a test puts between a service and its server (NATS,
 * PostgreSQL) to inject the faults a network has every day: bytes lost while the connection
 * still looks open (then cut, as a peer or a load balancer eventually does), added latency, a
 * connection cut in the middle of a frame, connections refused.
 *
 * Faults apply to the connections open at the time and to new ones, until `heal()`.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private dropping: Direction | undefined;
  private delayMs = 0;
  private delayed: Direction = 'both';
  private refusing = false;
  /** Bytes that went through, per direction (what a test can wait on). */
  readonly bytes = { toClient: 0, toServer: 0 };
  /** Connections accepted so far. */
  connections = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port, { host: target.host ?? '127.0.0.1', port: target.port });
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** `nats://127.0.0.1:<port>` (or any scheme): the address to give the service instead of the server's. */
  url(scheme = 'nats'): string {
    return `${scheme}://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  /** From now on, bytes in `direction` are read and thrown away; the connections stay open. */
  blackhole(direction: Direction = 'both'): void {
    this.dropping = direction;
  }

  /** Adds `ms` of latency to every chunk in `direction`, keeping their order. */
  delay(ms: number, direction: Direction = 'both'): void {
    this.delayMs = ms;
    this.delayed = direction;
  }

  /** New connections are accepted and closed at once (the server looks down). */
  refuse(): void {
    this.refusing = true;
  }

  /** Back to a plain proxy for the open connections and new ones. */
  heal(): void {
    this.dropping = undefined;
    this.delayMs = 0;
    this.delayed = 'both';
    this.refusing = false;
  }

  /** Closes every open connection, both sides, at once (RST-like: no more bytes either way). */
  cut(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    this.pairs.clear();
    this.queues.clear();
  }

  /**
   * The next chunk the server sends (on any connection) is written only in part, then every
   * connection is cut: the client is left with half a frame. Resolves once that happened.
   */
  cutMidFrame(): Promise<void> {
    return new Promise((resolve) => {
      this.midFrame = resolve;
    });
  }

  /** Bytes lost for `ms` in `direction`, then every connection cut; new connections work again. */
  async dropThenCut(ms: number, direction: Direction = 'both'): Promise<void> {
    this.blackhole(direction);
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.cut();
    this.heal();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private midFrame: (() => void) | undefined;

  private accept(client: net.Socket): void {
    this.connections += 1;
    if (this.refusing) {
      client.destroy();
      return;
    }
    const server = net.connect(this.target);
    const pair: Pair = { client, server };
    this.pairs.add(pair);
    const close = () => {
      client.destroy();
      server.destroy();
      this.queues.delete(client);
      this.queues.delete(server);
      this.pairs.delete(pair);
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => this.forward(pair, 'toServer', chunk));
    server.on('data', (chunk: Buffer) => this.forward(pair, 'toClient', chunk));
  }

  private forward(pair: Pair, direction: 'toClient' | 'toServer', chunk: Buffer): void {
    if (this.dropping === direction || this.dropping === 'both') return;
    const to = direction === 'toClient' ? pair.client : pair.server;
    if (direction === 'toClient' && this.midFrame && chunk.length > 1) {
      const done = this.midFrame;
      this.midFrame = undefined;
      to.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => {
        this.cut();
        done();
      });
      return;
    }
    this.bytes[direction] += chunk.length;
    const delayMs = this.delayMs === 0 || (this.delayed !== 'both' && this.delayed !== direction) ? 0 : this.delayMs;
    const queue = this.queues.get(to);
    if (delayMs === 0 && !queue) {
      to.write(chunk);
      return;
    }
    // TCP never reorders: a chunk waits behind every chunk still delayed on its socket, also
    // once the delay is over (a chunk that arrives after heal() must not overtake them).
    const due = Date.now() + delayMs;
    if (queue) {
      queue.push({ chunk, due });
      return;
    }
    this.queues.set(to, [{ chunk, due }]);
    this.drain(to);
  }

  private readonly queues = new Map<net.Socket, { chunk: Buffer; due: number }[]>();

  /** Writes a socket's delayed chunks in order, each once it is due. */
  private drain(to: net.Socket): void {
    const queue = this.queues.get(to);
    const head = queue?.[0];
    if (!queue || !head) {
      this.queues.delete(to);
      return;
    }
    setTimeout(
      () => {
        queue.shift();
        if (!to.destroyed) to.write(head.chunk);
        this.drain(to);
      },
      Math.max(0, head.due - Date.now()),
    );
  }
}

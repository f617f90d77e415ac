import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.js';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * A nats-server with JetStream of one test's own: its own port and store directory (-sd under
 * os.tmpdir()), so it can be stopped and restarted (same port, same store) without touching the
 * shared server. Stopped by its PID only.
 */
export class PrivateNats {
  private child: ChildProcess | undefined;
  private output: string[] = [];

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  static async start(): Promise<PrivateNats> {
    const storeDir = await mkdtemp(path.join(os.tmpdir(), 'private-nats-'));
    const server = new PrivateNats(await freePort(), storeDir);
    try {
      await server.startProcess();
    } catch (error) {
      await rm(storeDir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server process (again) on the same port and store, and waits until it listens. */
  async startProcess(): Promise<void> {
    if (this.child) throw new Error('private nats-server is already running');
    this.output = [];
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`nats-server exited (${child.exitCode ?? child.signalCode}):\n${this.output.join('')}`);
        }
        // Listening on the client port is not enough: JetStream must be up to answer publishes.
        return (await canConnect(this.port)) && this.output.join('').includes('Server is ready');
      },
      { timeoutMs: 15_000, intervalMs: 20, what: `private nats-server on port ${this.port}` },
    );
  }

  /** Stops the process by its PID (SIGTERM, SIGKILL after a deadline) and waits until the port is closed. */
  async stopProcess(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    process.kill(child.pid!, signal);
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
    await waitFor(async () => !(await canConnect(this.port)), { timeoutMs: 5_000, what: `port ${this.port} to close` });
  }

  async restart(): Promise<void> {
    await this.stopProcess();
    await this.startProcess();
  }

  /** Stops the process and removes its store directory. */
  async destroy(): Promise<void> {
    await this.stopProcess().catch(() => undefined);
    if (this.child?.pid) process.kill(this.child.pid, 'SIGKILL');
    await rm(this.storeDir, { recursive: true, force: true });
  }

  logs(): string {
    return this.output.join('');
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './private-nats.js';
import { waitFor } from './wait.js';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

interface Node {
  name: string;
  port: number;
  routePort: number;
  config: string;
  child: ChildProcess | undefined;
  output: string[];
}

/**
 * Three nats-servers with JetStream clustered on loopback (each its own client and route port,
 * store folder and `server_name`), in a temporary folder removed when destroyed. A node can be
 * killed and started again on the same ports and store; processes are stopped by their PID only.
 */
export class NatsCluster {
  private constructor(
    private readonly dir: string,
    private readonly nodes: Node[],
  ) {}

  static async start(size = 3): Promise<NatsCluster> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nats-cluster-'));
    const nodes: Node[] = [];
    for (let i = 1; i <= size; i += 1) {
      nodes.push({
        name: `n${i}`,
        port: await freePort(),
        routePort: await freePort(),
        config: path.join(dir, `n${i}.conf`),
        child: undefined,
        output: [],
      });
    }
    const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.routePort}`);
    for (const node of nodes) {
      const store = path.join(dir, node.name);
      await mkdir(store);
      await writeFile(
        node.config,
        [
          `server_name: ${node.name}`,
          `listen: 127.0.0.1:${node.port}`,
          `jetstream { store_dir: "${store}" }`,
          `cluster { name: faults, listen: 127.0.0.1:${node.routePort}, routes: [${routes.join(', ')}] }`,
          '',
        ].join('\n'),
      );
    }
    const cluster = new NatsCluster(dir, nodes);
    try {
      await Promise.all(nodes.map((node) => cluster.startNode(node.name)));
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  get url(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  get names(): string[] {
    return this.nodes.map((n) => n.name);
  }

  isRunning(name: string): boolean {
    return this.node(name).child !== undefined;
  }

  /** Starts a node (again) and waits until it listens and says it is ready. */
  async startNode(name: string): Promise<void> {
    const node = this.node(name);
    if (node.child) throw new Error(`node ${name} is already running`);
    node.output = [];
    const child = spawn(NATS_SERVER, ['-c', node.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    node.child = child;
    const keep = (chunk: Buffer) => {
      node.output.push(chunk.toString());
      if (node.output.length > 300) node.output.splice(0, node.output.length - 300);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', () => {
      if (node.child === child) node.child = undefined;
    });
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nats-server ${name} exited:\n${node.output.join('')}`);
        return node.output.join('').includes('Server is ready') && (await canConnect(node.port));
      },
      { timeoutMs: 20_000, intervalMs: 50, what: `nats-server ${name} to start` },
    );
  }

  /** Stops a node by its PID (SIGKILL by default: a crash) and waits until it has exited. */
  async stopNode(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.node(name);
    const child = node.child;
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
    node.child = undefined;
  }

  /** Stops every node and removes the folder (stores included). */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stopNode(n.name).catch(() => undefined)));
    await rm(this.dir, { recursive: true, force: true });
  }

  logs(name: string): string {
    return this.node(name).output.join('');
  }

  private node(name: string): Node {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }
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

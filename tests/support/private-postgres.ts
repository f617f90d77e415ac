import { execFile } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './private-nats.js';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const OWNER = 'postgres';

/**
 * A PostgreSQL cluster of one test's own, on a free port of 127.0.0.1 with trust auth, in a
 * temporary folder it removes when destroyed: a test can restart it (or crash it) without
 * touching the machine's shared cluster. The server refuses to run as root, so every command
 * runs as the `postgres` user (runuser) when the test runs as root.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'private-pg-'));
    const cluster = new PrivatePostgres(await freePort(), dir);
    try {
      const { uid, gid } = await ownerIds();
      await chown(dir, uid, gid);
      await cluster.as('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
      await cluster.pgCtl('start');
    } catch (error) {
      await cluster.destroy().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  /** The URL of a database on this cluster (created by the services themselves when missing). */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Restarts the server: `fast` (clients disconnected, clean shutdown) or `immediate` (a crash: recovery from the WAL). */
  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCtl('stop', mode);
    await this.pgCtl('start');
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCtl('stop', mode);
  }

  async startServer(): Promise<void> {
    await this.pgCtl('start');
  }

  /** Stops the server (when running) and removes its folder. */
  async destroy(): Promise<void> {
    await this.pgCtl('stop', 'immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  async log(): Promise<string> {
    return readFile(path.join(this.dir, 'server.log'), 'utf8').catch(() => '');
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  private async pgCtl(action: 'start' | 'stop', mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c max_connections=200 -c shared_buffers=64MB`;
    const args =
      action === 'start'
        ? ['start', '-D', this.dataDir, '-w', '-t', '60', '-l', path.join(this.dir, 'server.log'), '-o', options]
        : ['stop', '-D', this.dataDir, '-w', '-t', '60', '-m', mode];
    await this.as('pg_ctl', args);
  }

  private async as(tool: string, args: string[]): Promise<void> {
    const binary = path.join(BIN, tool);
    if (process.getuid?.() === 0) await run('runuser', ['-u', OWNER, '--', binary, ...args], { cwd: this.dir });
    else await run(binary, args, { cwd: this.dir });
  }
}

async function ownerIds(): Promise<{ uid: number; gid: number }> {
  if (process.getuid?.() !== 0) return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const { stdout } = await run('id', ['-u', OWNER]);
  const { stdout: group } = await run('id', ['-g', OWNER]);
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) };
}

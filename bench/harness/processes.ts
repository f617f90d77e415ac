import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench, where the compiled bench scripts live. */
export const benchDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a bench script as its own process and returns the JSON line it prints. */
export function runScript<T>(script: string, arg: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(benchDist, script), JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    // 'close', not 'exit': at 'exit' the child's output may still be on its way.
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`${script} exited with ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

export interface ServerOptions {
  /** Extra arguments after the script (e.g. a JSON spec, as runScript passes). */
  args?: string[];
  /** Extra environment variables, added to this process's. */
  env?: Record<string, string>;
}

/**
 * Starts a baseline server process; resolves once it printed its port (a line `{"port":N}` on
 * stdout). `stop()` sends SIGTERM and resolves once the process has exited.
 */
export function startServer(script: string, options: ServerOptions = {}): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(benchDist, script), ...(options.args ?? [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...(options.env ?? {}) },
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      // The port line; anything a library printed before it goes to stderr.
      const at = lines.findIndex((line) => /^\{"port":\d+\}$/.test(line.trim()));
      for (const line of at < 0 ? lines : lines.slice(0, at)) process.stderr.write(`[${script}] ${line}\n`);
      if (at < 0) return;
      child.stdout.off('data', onData);
      child.stdout.resume(); // later output is not read: keep the pipe from filling up
      const { port } = JSON.parse(lines[at]!) as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}/graphql`,
        pid: child.pid!,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** Resident memory of a process in MiB (Linux /proc). */
export function rssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * CPU time a process has used so far, user and system, in ms (Linux /proc: the stat file's
 * utime and stime, in USER_HZ ticks, 100 per second wherever Node runs on Linux); null once it is gone.
 */
export function cpuTimeMs(pid: number | undefined): number | null {
  return pid === undefined ? null : statCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU time a process's main thread has used so far, in ms: its event loop's share of cpuTimeMs,
 * without the threads beside it (V8's helpers for garbage collection and compiling, libuv's pool,
 * worker threads).
 */
export function mainThreadCpuTimeMs(pid: number | undefined): number | null {
  return pid === undefined ? null : statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

/** utime + stime of a Linux /proc stat file, in ms. */
function statCpuMs(path: string): number | null {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * CPU time the whole machine has spent busy so far, in ms (Linux /proc/stat's first line: user,
 * nice, system, irq and softirq, in USER_HZ ticks; not idle, iowait or the hypervisor's steal);
 * null where /proc/stat cannot be read.
 */
export function machineCpuMs(): number | null {
  try {
    const [, user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq!) * 10;
  } catch {
    return null;
  }
}

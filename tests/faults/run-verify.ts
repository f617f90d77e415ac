import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const VERIFY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/verify.js');

export interface VerifyOutcome {
  /** The exit code: 0 when no read model differs from the replay of the stream. */
  code: number;
  /** Lines of the output that name the given tenant (its rows that differ). */
  linesOfTenant: number;
  output: string;
}

/**
 * `npm run verify` as an operator runs it: scripts/verify.js in a child process, with the system's
 * environment (NAMESPACE, NATS_URL, the database URLs).
 */
export function runVerify(env: Record<string, string>, tenant: string, timeoutMs = 180_000): Promise<VerifyOutcome> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [VERIFY],
      { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (code !== 0 && code !== 1) {
          reject(new Error(`verify failed to run (${error?.message}):\n${output.slice(-4000)}`));
          return;
        }
        resolve({ code, linesOfTenant: output.split('\n').filter((line) => line.includes(tenant)).length, output });
      },
    );
  });
}

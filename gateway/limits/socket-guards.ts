import type WebSocket from 'ws';

/** Close code of a socket whose client does not read what it asked for ("Try Again Later"). */
export const NOT_READING_CLOSE_CODE = 1013;
/** Close code of a socket over the connections allowed to its client (graphql-ws's "too many"). */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429;
/** How long a closing socket has to send its close frame before it is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * Operations per second of one socket, as a token bucket: `burst` at once, then `perSecond` on
 * average. A subscribe message over it is refused (RATE_LIMITED) without being parsed.
 */
export class OperationRate {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /** Takes one operation; false when there is none to take. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next operation is allowed. */
  retryAfterMs(): number {
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}

/** Open sockets per client key; `max` 0 counts nothing and refuses nothing. */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more socket for `key`; false (and nothing counted) when the client has `max` already. */
  acquire(key: string): boolean {
    if (this.max === 0) return true;
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return false;
    this.open.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    if (this.max === 0) return;
    const count = (this.open.get(key) ?? 0) - 1;
    if (count > 0) this.open.set(key, count);
    else this.open.delete(key);
  }

  /** Clients with a socket open. */
  get clients(): number {
    return this.open.size;
  }
}

/** Who a socket counts against: the token's tenant and subject, or the address when anonymous. */
export function clientKey(principal: { tenant: string; userId: string } | undefined, address: string | undefined): string {
  return principal ? `token:${principal.tenant}:${principal.userId}` : `address:${address ?? 'unknown'}`;
}

/**
 * Whether the socket still takes more to send: past `maxBytes` of unsent data its client is not
 * reading, and holding more would grow the gateway without bound, so the socket is closed
 * (1013) and, since a client that does not read never answers the close, cut after a grace.
 */
export function acceptsMore(socket: WebSocket, maxBytes: number): boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount <= maxBytes) return true;
  socket.close(NOT_READING_CLOSE_CODE, 'the client is not reading its results');
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  return false;
}

/** Closes a socket over its client's connection cap. */
export function refuseConnection(socket: WebSocket, max: number): void {
  socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, `at most ${max} connections per client`);
}

import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';

/** setTimeout's longest delay (about 24.8 days); a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes `socket` with 4403 (Forbidden, as a refused connection_init) when its token expires
 * at `expiresAt` (ms since the epoch): a token is only good until its `exp`, over a long-lived
 * socket as over HTTP. The timer goes with the socket.
 */
export function closeAtExpiry(socket: WebSocket, expiresAt: number | undefined): void {
  if (expiresAt === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      socket.close(CloseCode.Forbidden, 'Forbidden: the token has expired');
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  socket.once('close', () => clearTimeout(timer));
  arm();
}

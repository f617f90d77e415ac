import WebSocket from 'ws';
import { waitFor } from './wait.js';

interface Message {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A graphql-transport-ws socket driven message by message, for what a well-behaved client
 * (graphql-ws's) never does: messages over the size limit, floods, not reading.
 */
export class RawGraphQLSocket {
  readonly messages: Message[] = [];
  closed: { code: number; reason: string } | undefined;
  /** The TCP connection failed or ended (a socket cut while its client was not reading). */
  ended = false;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString()) as Message));
    socket.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
    });
    socket.on('error', () => {
      this.ended = true;
    });
  }

  /** Opens a socket and, unless `init` is false, waits for connection_ack (or the close that refuses it). */
  static async open(httpUrl: string, payload: Record<string, unknown> = {}, init = true): Promise<RawGraphQLSocket> {
    const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const raw = new RawGraphQLSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    if (init) {
      raw.send({ type: 'connection_init', payload });
      await waitFor(() => raw.closed ?? raw.messages.some((m) => m.type === 'connection_ack'), { what: 'connection_ack or a close' });
    }
    return raw;
  }

  send(message: Message | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ id, type: 'subscribe', payload: { query, variables } });
  }

  /** The `next` or `error` answer to operation `id`, once it arrives. */
  async answer(id: string): Promise<Message> {
    return waitFor(() => this.messages.find((m) => m.id === id && (m.type === 'next' || m.type === 'error')), {
      what: `the answer to ${id}`,
    });
  }

  /** Stops reading from the TCP connection: what the gateway sends piles up. */
  stopReading(): void {
    (this.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  close(): void {
    this.socket.terminate();
  }
}

import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const PRODUCT_UPDATED = 'subscription($id: ID!) { productUpdated(id: $id) { availableQuantity version } }';

export interface LiveValue {
  availableQuantity: number;
  version: number;
}

/**
 * A live product view as a careful client keeps it: a graphql-ws subscription to productUpdated
 * that reconnects when its socket dies (the gateway killed or its port unreachable) and
 * subscribes again when the server ends the subscription with an error. Keeps the last value and
 * counts what went wrong on the way (versions going backwards, errors, reconnects).
 */
export class LiveView {
  last: LiveValue | undefined;
  received = 0;
  /** Values whose version was below one already received on the same subscription. */
  regressions = 0;
  resubscribes = 0;
  /** Sockets opened (more than one: the client reconnected). */
  connections = 0;
  readonly errors: string[] = [];
  private readonly client: Client;
  private dispose: (() => void) | undefined;
  private closed = false;

  constructor(
    url: () => string,
    authorization: string,
    readonly productId: string,
  ) {
    this.client = createClient({
      url: () => url().replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization },
      lazy: false,
      retryAttempts: Number.MAX_SAFE_INTEGER,
      shouldRetry: () => true,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 200)),
      on: {
        connected: () => {
          this.connections += 1;
        },
      },
    });
    this.subscribe();
  }

  private subscribe(): void {
    let highest = -1;
    this.dispose = this.client.subscribe<{ productUpdated: LiveValue }>(
      { query: PRODUCT_UPDATED, variables: { id: this.productId } },
      {
        next: (value) => {
          if (value.errors?.length) {
            const code = value.errors[0]?.extensions?.code;
            this.errors.push(typeof code === 'string' ? code : String(value.errors[0]?.message));
            return;
          }
          const view = value.data?.productUpdated;
          if (!view) return;
          this.received += 1;
          if (view.version < highest) this.regressions += 1;
          highest = Math.max(highest, view.version);
          this.last = view;
        },
        error: (error) => this.again(`error: ${describe(error)}`),
        complete: () => this.again('completed'),
      },
    );
  }

  /** The server ended the subscription (e.g. SERVICE_UNAVAILABLE while the read-service was down): subscribe again. */
  private again(reason: string): void {
    if (this.closed) return;
    this.errors.push(reason);
    this.resubscribes += 1;
    setTimeout(() => {
      if (!this.closed) this.subscribe();
    }, 200);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dispose?.();
    await this.client.dispose();
  }
}

function describe(error: unknown): string {
  if (Array.isArray(error))
    return String(
      (error[0] as { extensions?: { code?: string }; message?: string })?.extensions?.code ?? (error[0] as { message?: string })?.message,
    );
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'code' in error) return `close ${String(error.code)}`;
  return String(error);
}

/** The body of a command request sent by the gateway to the write-service. */
export interface CommandMessage {
  tenant: string;
  userId: string;
  correlationId: string;
  /** The GraphQL input object, unchecked: the write-service validates it. */
  input: Record<string, unknown>;
}

/** What every command answers (the contract's CommandResult). */
export interface CommandResult {
  aggregateId: string;
  version: number;
  consistencyToken: string;
  correlationId: string;
  replayed: boolean;
}

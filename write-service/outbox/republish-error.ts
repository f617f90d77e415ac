export const RepublishErrorCode = {
  StreamBehind: 'STREAM_BEHIND',
  PublishFailed: 'PUBLISH_FAILED',
  Usage: 'USAGE',
} as const;
export type RepublishErrorCode = (typeof RepublishErrorCode)[keyof typeof RepublishErrorCode];

/** Why a republish stopped. Built by the named constructors below. */
export class RepublishError extends Error {
  private constructor(
    readonly code: RepublishErrorCode,
    message: string,
    readonly resumeFrom?: number,
  ) {
    super(message);
    this.name = 'RepublishError';
  }

  /**
   * The stream holds messages but its last sequence is below one that consumers trust: whatever
   * is published now lands at sequences they believe applied, and is skipped.
   */
  static streamBehind(stream: string, lastSeq: number, trusted: number): RepublishError {
    return new RepublishError(
      RepublishErrorCode.StreamBehind,
      `stream ${stream} ends at sequence ${lastSeq}, below ${trusted}, a position it acknowledged before (outbox marks, projection checkpoints, ` +
        `the saga): it lost its tail, and messages published now would land at sequences consumers skip. Stop the write-service, purge the stream ` +
        `(nothing is lost: the event store has every event), then run npm run republish -- --from 1: on an empty stream it first moves the next ` +
        `sequence past every trusted position`,
    );
  }

  static publishFailed(globalPosition: number, eventId: string, cause: unknown, published: number): RepublishError {
    return new RepublishError(
      RepublishErrorCode.PublishFailed,
      `publishing event ${eventId} (global position ${globalPosition}) failed after ${published} published: ${String((cause as Error)?.message ?? cause)}; ` +
        `nothing after it was stored; resume with npm run republish -- --from ${globalPosition}`,
      globalPosition,
    );
  }

  static usage(message: string): RepublishError {
    return new RepublishError(RepublishErrorCode.Usage, message);
  }
}

/** An event a projection could not apply during a rebuild (what a dead letter records). */
export interface RebuildFailure {
  projection: string;
  streamSeq: number;
  eventId: string | undefined;
  eventType: string | undefined;
  tenant: string | undefined;
  error: string;
}

export const RebuildErrorCode = {
  AlreadyRunning: 'ALREADY_RUNNING',
  StreamTruncated: 'STREAM_TRUNCATED',
  Unsupported: 'UNSUPPORTED',
  EventsFailed: 'EVENTS_FAILED',
  ShapeChanged: 'SHAPE_CHANGED',
  CheckpointMovedBack: 'CHECKPOINT_MOVED_BACK',
  StreamStalled: 'STREAM_STALLED',
} as const;
export type RebuildErrorCode = (typeof RebuildErrorCode)[keyof typeof RebuildErrorCode];

/**
 * Why a rebuild stopped without switching over; the live tables are then untouched. Built by
 * the named constructors below.
 */
export class RebuildError extends Error {
  private constructor(
    readonly code: RebuildErrorCode,
    message: string,
    readonly failures: readonly RebuildFailure[] = [],
  ) {
    super(message);
    this.name = 'RebuildError';
  }

  static alreadyRunning(projection: string): RebuildError {
    return new RebuildError(RebuildErrorCode.AlreadyRunning, `a rebuild of ${projection} is already running`);
  }

  static streamTruncated(stream: string, firstSeq: number): RebuildError {
    return new RebuildError(
      RebuildErrorCode.StreamTruncated,
      `stream ${stream} starts at ${firstSeq}: the events before it are gone, a replay from the start is impossible`,
    );
  }

  static unsupported(table: string, what: string): RebuildError {
    return new RebuildError(RebuildErrorCode.Unsupported, `table ${table} has ${what}, which a rebuild does not carry over`);
  }

  /** Events that failed in the rebuild and that the live projection had applied (no open dead letter). */
  static eventsFailed(failures: readonly RebuildFailure[]): RebuildError {
    const list = failures
      .slice(0, 5)
      .map((f) => `${f.projection}@${f.streamSeq} (${f.eventType ?? 'not an event'}): ${f.error}`)
      .join('; ');
    return new RebuildError(
      RebuildErrorCode.EventsFailed,
      `${failures.length} event(s) failed in the rebuild that the live tables applied: ${list}${failures.length > 5 ? '; ...' : ''}`,
      failures,
    );
  }

  static shapeChanged(differences: readonly string[]): RebuildError {
    return new RebuildError(RebuildErrorCode.ShapeChanged, `the live tables changed shape during the rebuild: ${differences.join('; ')}`);
  }

  static checkpointMovedBack(projection: string, checkpoint: number, rebuilt: number): RebuildError {
    return new RebuildError(
      RebuildErrorCode.CheckpointMovedBack,
      `the checkpoint of ${projection} moved back to ${checkpoint}, below the rebuilt position ${rebuilt}`,
    );
  }

  static streamStalled(stream: string, seq: number, waitedMs: number): RebuildError {
    return new RebuildError(RebuildErrorCode.StreamStalled, `no message of ${stream} from ${seq} arrived within ${waitedMs} ms`);
  }
}

export const DeadLetterErrorCode = {
  Usage: 'USAGE',
  NoSelection: 'NO_SELECTION',
  UnknownProjection: 'UNKNOWN_PROJECTION',
} as const;
export type DeadLetterErrorCode = (typeof DeadLetterErrorCode)[keyof typeof DeadLetterErrorCode];

/** Why a dead-letter command did nothing. Built by the named constructors below. */
export class DeadLetterError extends Error {
  private constructor(
    readonly code: DeadLetterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DeadLetterError';
  }

  static usage(message: string): DeadLetterError {
    return new DeadLetterError(DeadLetterErrorCode.Usage, message);
  }

  /** retry and discard act on every dead letter only when told so (`--all`). */
  static noSelection(command: string): DeadLetterError {
    return new DeadLetterError(DeadLetterErrorCode.NoSelection, `${command} needs --projection, --tenant, --id or --all`);
  }

  static unknownProjection(names: readonly string[], known: readonly string[]): DeadLetterError {
    return new DeadLetterError(
      DeadLetterErrorCode.UnknownProjection,
      `unknown projection(s) ${names.join(', ')}; projections: ${known.join(', ')}`,
    );
  }
}

/** The aggregate is not at the version the client expected (or a lost race could not be retried in time). */
export class VersionConflict extends Error {
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`expected version ${expectedVersion} but the aggregate is at version ${currentVersion}`);
    this.name = 'VersionConflict';
  }
}

/** The command's events are committed, but the relay has not published them in time for a consistency token. */
export class NotYetPublished extends Error {
  constructor() {
    super('the change is committed but not yet published; repeat the request with the same idempotency key for its consistency token');
    this.name = 'NotYetPublished';
  }
}

/** An aggregate's state folded up to `version`. */
export interface FoldedState<State = unknown> {
  state: State;
  version: number;
  lastEventId: string | undefined;
}

/**
 * Folded states of recently used aggregates (least recently used dropped first). A load then
 * reads only the events after the cached version from the event store, so a long stream (a
 * product restocked and reserved thousands of times) costs what its tail costs. Events never
 * change, so an entry cannot be wrong, only behind — and the tail read brings it up to date,
 * whichever replica appended.
 */
export class StateCache {
  private readonly entries = new Map<string, FoldedState>();

  constructor(private readonly capacity = 20_000) {}

  get(key: string): FoldedState | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Drops the entry when it is behind `version` (another replica appended): the next use reads the stream. */
  forgetOlder(key: string, version: number): void {
    const entry = this.entries.get(key);
    if (entry && entry.version < version) this.entries.delete(key);
  }

  set(key: string, entry: FoldedState): void {
    const current = this.entries.get(key);
    if (current && current.version > entry.version) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Who sent a notice and where it stands among that sender's notices: the projection, its
 * runner's epoch (one per leadership) and a sequence that counts every notice of that epoch,
 * view changes and checkpoints alike, from 1. Core NATS delivers at most once: a receiver that
 * sees the sequence jump, or a new epoch, has missed notices and must read again (DESIGN §8).
 */
export interface NoticeStamp {
  projection: string;
  epoch: string;
  seq: number;
}

/** A changed view row, pushed on `<ns>.view.<tenant>.<view>.<key>` after the projection commits. */
export interface ViewChange<Data = unknown> extends Partial<NoticeStamp> {
  tenant: string;
  view: string;
  key: string;
  version: number;
  /** Stream position of the event that made this change. */
  position: number;
  data: Data;
  /** W3C traceparent of the projection batch that made the change (with tracing on): the push continues its trace. */
  traceparent?: string;
  /** The correlation id of the command whose events made the change, when the batch had one. */
  correlationId?: string;
}

/**
 * Pushed on `<ns>.checkpoint.<projection>` after each committed batch, and after a quiet second
 * (a heartbeat, so that a lost last notice shows as a gap). Stamped when the runner sends it;
 * unstamped from a one-off sender (a rebuild's switch, a dead letter's retry), always with `reset`.
 */
export interface CheckpointNotice extends Partial<Omit<NoticeStamp, 'projection'>> {
  projection: string;
  position: number;
  /** Views may have changed unannounced (a new leader, a rebuild, a retried dead letter): read them again. */
  reset?: boolean;
}

/** The leading runner's answer on `<ns>.notices.<projection>`: the stamp of its last notice. */
export type NoticeStampReply = Pick<NoticeStamp, 'epoch' | 'seq'>;

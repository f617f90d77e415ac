/** A changed view row, pushed on `<ns>.view.<tenant>.<view>.<key>` after the projection commits. */
export interface ViewChange<Data = unknown> {
  tenant: string;
  view: string;
  key: string;
  version: number;
  /** Stream position of the event that made this change. */
  position: number;
  data: Data;
}

/** Pushed on `<ns>.checkpoint.<projection>` after each committed batch. */
export interface CheckpointNotice {
  projection: string;
  position: number;
  /** Sent by a projection's new leader (and by a rebuild's switch): views may have changed unannounced. */
  reset?: boolean;
}

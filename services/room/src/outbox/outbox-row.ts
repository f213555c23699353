// What the outbox holds: rows written with the change that caused them, published by the relay.

/** A row of the outbox: a room event (numbered with the room's seq) or a user-addressed one (seq null). */
export interface OutboxRow {
  id: string;
  roomId: string;
  seq: number | null;
  subject: string;
  payload: Uint8Array;
  time: Date;
  /** The trace of the change that wrote it (W3C traceparent); null when tracing is off. */
  traceparent: string | null;
  /** A member.left event's reason as the domain gave it (for the metrics; not stored). */
  leaveReason?: string;
}

// Puts one room's notices in order: each is handed on once, in seq order, with nothing skipped.
//
// The gateway numbers a room's events 1, 2, 3... A notice at or below the last one handed on is a
// duplicate (dropped). One further ahead than the next is kept until the ones before it arrive; since
// the gateway sends a room's notices in order on one connection, such a jump means notices were
// missed, so the sequencer asks for a sync from the last seq handed on. The sync's answer either
// replays the missed notices (they merge with what is kept, still in order, still once) or says it is
// a snapshot: the app then starts over from the room's members, and only later notices follow.
//
// Pure: it returns what to do (notices to hand on, a sync to ask for, a snapshot to apply) and does
// no I/O, so the ordering rules are unit-tested on their own.
import type { Member, PlayUrl, Room, RoomNotice } from '../protocol.js';

export interface SyncAnswer {
  room: Room;
  members: Member[];
  notices: RoomNotice[];
  snapshot: boolean;
  /** With a snapshot: play URLs of the members publishing. */
  playUrls?: PlayUrl[];
  seq: number;
}

export interface SequencerStep {
  /** Hand these on, in this order. */
  deliver: RoomNotice[];
  /** Ask the gateway for syncRoom {afterSeq: syncFrom}. */
  syncFrom?: number;
  /** The sync was a snapshot: replace the room's members with these, before `deliver`. */
  snapshot?: { room: Room; members: Member[]; seq: number; playUrls: PlayUrl[] };
}

export class RoomSequencer {
  private last: number;
  private readonly kept = new Map<number, RoomNotice>();
  private syncing = false;

  constructor(
    readonly roomId: string,
    /** The seq the room was at when the seat was taken: notices continue from the next one. */
    lastSeq: number,
  ) {
    this.last = lastSeq;
  }

  /** The last seq handed on. */
  get lastSeq(): number {
    return this.last;
  }

  get syncInFlight(): boolean {
    return this.syncing;
  }

  /** A notice that arrived live. */
  receive(notice: RoomNotice): SequencerStep {
    if (notice.seq > this.last && !this.kept.has(notice.seq)) this.kept.set(notice.seq, notice);
    return this.drain();
  }

  /**
   * Asks for a sync whatever the state of the notices (after a resume: what was missed while away is
   * unknown). Returns the seq to sync after, or undefined when a sync is already in flight.
   */
  beginSync(): number | undefined {
    if (this.syncing) return undefined;
    this.syncing = true;
    return this.last;
  }

  /** The answer to a sync this sequencer asked for. */
  applySync(answer: SyncAnswer): SequencerStep {
    this.syncing = false;
    const deliver: RoomNotice[] = [];
    let snapshot: SequencerStep['snapshot'];
    if (answer.snapshot) {
      snapshot = { room: answer.room, members: answer.members, seq: answer.seq, playUrls: answer.playUrls ?? [] };
      this.last = Math.max(this.last, answer.seq);
    } else {
      for (const n of answer.notices) if (n.seq > this.last && !this.kept.has(n.seq)) this.kept.set(n.seq, n);
      // The answer covers everything up to its seq: a seq it skips carries no notice (an event clients
      // are not told about), so it is not waited for.
      for (const seq of [...this.kept.keys()].sort((a, b) => a - b)) {
        if (seq > answer.seq) break;
        deliver.push(this.kept.get(seq)!);
        this.kept.delete(seq);
        this.last = seq;
      }
      this.last = Math.max(this.last, answer.seq);
    }
    const step = this.drain();
    return { deliver: [...deliver, ...step.deliver], syncFrom: step.syncFrom, snapshot };
  }

  /** A sync failed (or its connection went away): the next notice, or a retry, asks again. */
  syncFailed(): void {
    this.syncing = false;
  }

  /**
   * The seat was taken again (a fresh push URL): notices continue after `seq`. What was handed on
   * stays handed on; when the seat's seq is ahead of the last notice, the ones between are synced.
   */
  rejoined(seq: number): SequencerStep {
    if (seq <= this.last) return { deliver: [] };
    return { deliver: [], syncFrom: this.beginSync() };
  }

  private drain(): SequencerStep {
    const deliver: RoomNotice[] = [];
    for (const seq of [...this.kept.keys()]) if (seq <= this.last) this.kept.delete(seq);
    for (let next = this.kept.get(this.last + 1); next; next = this.kept.get(this.last + 1)) {
      this.kept.delete(next.seq);
      this.last = next.seq;
      deliver.push(next);
    }
    if (this.kept.size === 0 || this.syncing) return { deliver };
    this.syncing = true;
    return { deliver, syncFrom: this.last };
  }
}

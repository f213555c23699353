// Room events that reached this gateway while joins were in flight, for those joins to replay once
// they answer (room-fanout.ts). A join's room is not known until it answers (a join by name), so
// every room's events are kept, by room, in generations of a second; a generation goes once no join
// that began before its end is still in flight. An event that came before a join began is never
// needed by it: it was committed before the join, so its seq is below the join's.
//
// This replaced a queue per joining connection holding every room's events: under a join storm
// each event was copied once per join in flight, and each answer scanned its whole queue.
import type { roomEventv1 } from '@rtcroom/proto';

type RoomEvent = roomEventv1.RoomEvent;

interface Generation {
  index: number;
  byRoom: Map<string, RoomEvent[]>;
}

/** A join in flight, as begin() gave it. */
export type JoinTicket = number;

export class RecentEvents {
  private generations: Generation[] = [];
  /** Joins in flight, by the generation they began in. */
  private readonly inFlight = new Map<number, number>();

  constructor(
    private readonly generationMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A join begins: events from now on are kept for it. */
  begin(): JoinTicket {
    const index = this.indexNow();
    this.inFlight.set(index, (this.inFlight.get(index) ?? 0) + 1);
    return index;
  }

  /** The join has answered and replayed what it needed. */
  end(ticket: JoinTicket): void {
    const left = (this.inFlight.get(ticket) ?? 0) - 1;
    if (left > 0) this.inFlight.set(ticket, left);
    else this.inFlight.delete(ticket);
    this.prune();
  }

  add(event: RoomEvent): void {
    if (this.inFlight.size === 0) return; // nobody is joining: nobody needs it
    const index = this.indexNow();
    let current = this.generations[this.generations.length - 1];
    if (!current || current.index !== index) {
      current = { index, byRoom: new Map() };
      this.generations.push(current);
      this.prune();
    }
    let events = current.byRoom.get(event.roomId);
    if (!events) current.byRoom.set(event.roomId, (events = []));
    events.push(event);
  }

  /** The room's kept event with the lowest seq above `afterSeq`, if any. */
  next(roomId: string, afterSeq: number): RoomEvent | undefined {
    let found: RoomEvent | undefined;
    for (const g of this.generations) {
      for (const e of g.byRoom.get(roomId) ?? []) {
        if (e.seq > afterSeq && (!found || e.seq < found.seq)) found = e;
      }
    }
    return found;
  }

  /** Events kept (for tests and stats). */
  get size(): number {
    let n = 0;
    for (const g of this.generations) for (const events of g.byRoom.values()) n += events.length;
    return n;
  }

  private prune(): void {
    let oldest = Infinity;
    for (const index of this.inFlight.keys()) oldest = Math.min(oldest, index);
    if (oldest === Infinity) {
      this.generations = [];
      return;
    }
    while (this.generations.length > 0 && this.generations[0].index < oldest) this.generations.shift();
  }

  private indexNow(): number {
    return Math.floor(this.now() / this.generationMs);
  }
}

// Group commit for the optimistic writes (joins, leaves, stream changes; see saveRoomIfUnchanged):
// while `maxInFlight` of them are on their way to Postgres, the next ones wait, and go together, one
// statement and one commit for all of them, as soon as one of those comes back. A quiet service
// sends each at once, alone, as before (prepared, no wait); a busy one pays one round trip and one
// commit (a WAL flush) per batch instead of per change. Each room's part still lands only if that room
// did not move, so seats stay exact: a batch is only several independent writes in one statement.
import type { RoomDb } from '../../db/database';
import { saveRoomIfUnchanged, saveRoomsIfUnchanged, UnchangedWrite, UnreadableGroupAnswer } from './room.repository';

interface Waiting {
  write: UnchangedWrite;
  resolve(saved: boolean): void;
  reject(err: unknown): void;
}

export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  /** Statements sent and writes they carried (for the bench and tests). */
  readonly sent = { statements: 0, writes: 0 };

  constructor(
    private readonly db: RoomDb,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 32,
  ) {}

  /** Writes `write` (alone or with others); true when it landed, false when its room had moved on. */
  save(write: UnchangedWrite): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ write, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The oldest waiting writes, one per room (a room's next write waits for the next batch). */
  private take(): Waiting[] {
    const batch: Waiting[] = [];
    const rooms = new Set<string>();
    for (let i = 0; i < this.waiting.length && batch.length < this.maxBatch; ) {
      const w = this.waiting[i];
      if (rooms.has(w.write.room.id)) {
        i++;
        continue;
      }
      rooms.add(w.write.room.id);
      batch.push(w);
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async send(batch: Waiting[]): Promise<void> {
    this.sent.statements++;
    this.sent.writes += batch.length;
    if (batch.length === 1) return this.alone(batch[0]);
    let saved: boolean[];
    try {
      saved = await saveRoomsIfUnchanged(this.db, batch.map((w) => w.write));
    } catch (err) {
      if (err instanceof UnreadableGroupAnswer) {
        for (const w of batch) w.reject(err);
        return;
      }
      // The statement wrote nothing: each on its own, so each gets its own answer (or refusal).
      await Promise.all(batch.map((w) => this.alone(w)));
      return;
    }
    batch.forEach((w, i) => w.resolve(saved[i]));
  }

  private async alone({ write, resolve, reject }: Waiting): Promise<void> {
    try {
      resolve(await saveRoomIfUnchanged(this.db, write.room, write.expected, write.events, write.member));
    } catch (err) {
      reject(err);
    }
  }
}

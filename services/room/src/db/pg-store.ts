// The store (store.ts) on Postgres through kysely: the capabilities' repositories bound to the pool,
// and to each transaction.
import { Kysely } from 'kysely';
import { PgCallStore } from '../calls/store/pg-call-store';
import { PgDeskStore } from '../desk/store/pg-desk-store';
import { PgMessageStore } from '../messages/store/pg-message-store';
import { PgRoomStore } from '../rooms/store/pg-room-store';
import type { RoomDatabase, RoomDb } from './database';
import type { Repositories, Store, TransactionOptions } from './store';

function repositoriesOn(db: RoomDb): Repositories {
  return { rooms: new PgRoomStore(db), calls: new PgCallStore(db), desk: new PgDeskStore(db), messages: new PgMessageStore(db) };
}

export class PgStore implements Store {
  readonly rooms: PgRoomStore;
  readonly calls: PgCallStore;
  readonly desk: PgDeskStore;
  readonly messages: PgMessageStore;

  constructor(readonly db: Kysely<RoomDatabase>) {
    this.rooms = new PgRoomStore(db);
    this.calls = new PgCallStore(db);
    this.desk = new PgDeskStore(db);
    this.messages = new PgMessageStore(db);
  }

  transaction<T>(work: (tx: Repositories) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const begin = options.isolation ? this.db.transaction().setIsolationLevel(options.isolation) : this.db.transaction();
    return begin.execute((tx) => work(repositoriesOn(tx)));
  }
}

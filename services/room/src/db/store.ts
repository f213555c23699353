// The store as the application sees it: each capability's repository port (rooms/store/room-store.ts,
// calls/store/call-store.ts, desk/store/desk-store.ts, messages/store/message-store.ts), assembled here as the Database interface is
// from its tables, and a unit of work over them (a change and its outbox rows commit together).
// Postgres: pg-store.ts; memory, for unit tests: in-memory-store.ts.
import type { CallStore } from '../calls/store/call-store';
import type { DeskStore } from '../desk/store/desk-store';
import type { MessageStore } from '../messages/store/message-store';
import type { RoomStore } from '../rooms/store/room-store';

/** Every capability's repository, bound to the pool or to one transaction. */
export interface Repositories {
  readonly rooms: RoomStore;
  readonly calls: CallStore;
  readonly desk: DeskStore;
  readonly messages: MessageStore;
}

export interface TransactionOptions {
  /** 'repeatable read': every read in the transaction sees the same snapshot. */
  isolation?: 'repeatable read';
}

/** The repositories outside any transaction (each call on its own), and transactions. */
export interface Store extends Repositories {
  /** Runs `work` in one transaction: what it writes commits together, or not at all if it throws. */
  transaction<T>(work: (tx: Repositories) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** Postgres' code for a unique key already taken; the in-memory store refuses with the same. */
export const uniqueViolationCode = '23505';

/** Whether the store refused a row because a unique key of it was taken (a racing insert, a repeat). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === uniqueViolationCode;
}

/** The refusal a store gives for a unique key already taken (what the in-memory store throws). */
export function uniqueViolation(key: string): Error & { code: string } {
  return Object.assign(new Error(`duplicate key value violates unique constraint "${key}"`), { code: uniqueViolationCode });
}

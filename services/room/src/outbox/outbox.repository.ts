// The transactional outbox: room events are inserted in the same transaction as the change they
// describe, and the relay publishes them in order.
import { createHash, randomInt } from 'node:crypto';
import { prepared } from '@rtcroom/common';
import { CompiledQuery, sql } from 'kysely';
import { RoomDb } from '../db/database';

/** An unpublished outbox row as read back: a room event (with its seq) or a user-addressed one. */
export interface PendingEvent {
  id: string;
  roomId: string;
  seq: number | null;
  subject: string;
  payload: Uint8Array;
  traceparent: string | null;
}

// Not prepared: the ids left out are a list of up to thousands, which Postgres matches through a hash
// table only in a plan made for the list at hand; a prepared statement's generic plan (which Postgres
// may switch to after five runs) scans the list for every row, and a backlog's reads grew to 90 ms.
//
// Only rows from transaction id `fromTx` on ($3): every row that is not visible yet belongs to a
// transaction still running, so its tx (its own id, or a larger one: room-write.sql.ts) is at least
// the oldest running transaction's id, `xmin`, which the read returns with the rows. Once a read got
// every unpublished row it could see, rows below that xmin are all published or in hand, and the
// relay reads from there on: the index of unpublished rows (by tx) keeps an entry of every row
// published since the last vacuum, which a read from the start walked through each time.
const readFrom = (shardFilter: string) =>
  'select s.xmin::text as xmin, e.id, e.room_id, e.seq, e.subject, e.payload, e.traceparent ' +
  'from (select pg_snapshot_xmin(pg_current_snapshot()) as xmin) s left join lateral (' +
  'select id, room_id, seq, subject, payload, traceparent, position from room_events ' +
  `where published_at is null and tx >= $3::xid8 and not (id = any($1::text[]))${shardFilter} order by position limit $2` +
  ') e on true order by e.position';

const readSql = readFrom('');

/** The shard of a room in SQL, as `shardOf` computes it: the first 28 bits of the md5 of its id, modulo the shard count. */
const shardSql = `('x' || substr(md5(room_id), 1, 7))::bit(28)::int % $4`;

const readShardsSql = readFrom(` and ${shardSql} = any($5::int[])`);

/** Which of `shards` shards a room falls in (the same on every instance, and in SQL: `shardSql`). */
export function shardOf(roomId: string, shards: number): number {
  if (shards === 1) return 0;
  return (createHash('md5').update(roomId).digest().readUInt32BE(0) >>> 4) % shards;
}

/**
 * The next unpublished rows in the order written, of transactions from `fromTx` on (see readFrom),
 * leaving out those known to be published already; only those of the rooms in `shards` (of
 * `shardCount`) when given. `xmin`: the oldest transaction running as they were read.
 */
export async function readUnpublished(
  db: RoomDb,
  except: string[],
  limit: number,
  fromTx = '0',
  shards?: { count: number; owned: number[] },
): Promise<{ events: PendingEvent[]; xmin: string }> {
  const query = shards
    ? CompiledQuery.raw(readShardsSql, [textArray(except), limit, fromTx, shards.count, `{${shards.owned.join(',')}}`])
    : CompiledQuery.raw(readSql, [textArray(except), limit, fromTx]);
  const { rows } = await db.executeQuery<{ xmin: string; id: string | null; room_id: string; seq: string | null; subject: string; payload: Uint8Array; traceparent: string | null }>(query);
  const events = rows
    .filter((r) => r.id !== null)
    .map((r) => ({ id: r.id!, roomId: r.room_id, seq: r.seq === null ? null : Number(r.seq), subject: r.subject, payload: r.payload, traceparent: r.traceparent }));
  return { events, xmin: rows[0]?.xmin ?? fromTx };
}

/** A text[] literal (node-postgres and PGlite both take it as it is). */
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

const markSql = prepared('update room_events set published_at = $1 where id = any($2::text[])');

export async function markPublished(db: RoomDb, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.executeQuery(CompiledQuery.raw(markSql, [at, textArray(ids)]));
}

/** Where instances tell the relays that the store has rows for them (the payload: the shards, comma-separated). */
export const outboxChannel = 'rtcroom_outbox';

export async function notifyOutbox(db: RoomDb, shards: number[]): Promise<void> {
  await sql`select pg_notify(${outboxChannel}, ${shards.join(',')})`.execute(db);
}

// Relays own shards of the rooms by session-level advisory locks, held by each relay's own
// connection: a relay that dies (or loses that connection) loses them at once. The two-key form, so
// the keys cannot meet another user's single bigint keys: (relayMember, random id) says "a relay is
// here", (relayShard, n) "shard n is owned".
const relayMember = 7283003;
const relayShard = 7283002;
const thisDatabase = sql`database = (select oid from pg_database where datname = current_database())`;

/** Registers this relay (under a random id, tried until free); the relays count each other by these. */
export async function joinRelays(db: RoomDb): Promise<void> {
  for (;;) {
    const id = randomInt(1, 2 ** 31 - 1);
    const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${relayMember}::int, ${id}::int) as ok`.execute(db);
    if (rows[0]?.ok) return;
  }
}

/** The relays there are now (their connections alive) and the shards some relay owns. */
export async function relaysAndOwnedShards(db: RoomDb): Promise<{ relays: number; owned: Set<number> }> {
  const { rows } = await sql<{ classid: number; objid: number }>`
    select classid::int as classid, objid::bigint as objid from pg_locks
    where locktype = 'advisory' and objsubid = 2 and granted and classid in (${relayMember}, ${relayShard}) and ${thisDatabase}`.execute(db);
  let relays = 0;
  const owned = new Set<number>();
  for (const r of rows) {
    if (Number(r.classid) === relayMember) relays++;
    else owned.add(Number(r.objid));
  }
  return { relays, owned };
}

export async function tryTakeShard(db: RoomDb, shard: number): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${relayShard}::int, ${shard}::int) as ok`.execute(db);
  return rows[0]?.ok === true;
}

export async function releaseShard(db: RoomDb, shard: number): Promise<void> {
  await sql`select pg_advisory_unlock(${relayShard}::int, ${shard}::int)`.execute(db);
}

/** Leaves the relays: every advisory lock of the session (the connection goes back to the pool). */
export async function leaveRelays(db: RoomDb): Promise<void> {
  await sql`select pg_advisory_unlock_all()`.execute(db);
}

const eventsAfterSql = prepared(
  'select r.seq as room_seq, e.payload from rooms r left join lateral (select payload, seq from room_events ' +
    'where room_id = r.id and seq > $2::int8 order by seq limit $3::int4) e on true where r.id = $1::text order by e.seq',
);

/** A room's events after a seq (decoded by the caller) and the room's seq, in one statement; null when there is no such room. */
export async function roomEventsAfter(db: RoomDb, roomId: string, afterSeq: number, limit: number): Promise<{ roomSeq: number; payloads: Uint8Array[] } | null> {
  const { rows } = await db.executeQuery<{ room_seq: string; payload: Uint8Array | null }>(CompiledQuery.raw(eventsAfterSql, [roomId, afterSeq, limit]));
  if (rows.length === 0) return null;
  return { roomSeq: Number(rows[0].room_seq), payloads: rows.flatMap((r) => (r.payload ? [r.payload] : [])) };
}

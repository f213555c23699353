// room_messages rows <-> RoomMessage domain objects: the only place that knows the table's shape.
import { Selectable, sql } from 'kysely';
import type { RoomDb } from '../../db/database';
import type { RoomMessage } from '../domain/room-message';
import type { RoomMessagesTable } from './message.tables';

function toMessage(row: Selectable<RoomMessagesTable>): RoomMessage {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    time: new Date(row.created_at),
    senderMemberId: row.sender_member_id,
    senderIdentity: row.sender_identity,
    recipients: row.recipients,
    body: row.kind === 'custom' ? { kind: 'custom', topic: row.topic, payload: new Uint8Array(row.payload) } : { kind: 'text', text: row.text },
  };
}

export async function saveMessage(db: RoomDb, m: RoomMessage, keep: number): Promise<void> {
  await db
    .insertInto('room_messages')
    .values({
      room_id: m.roomId,
      seq: m.seq,
      id: m.id,
      sender_member_id: m.senderMemberId,
      sender_identity: m.senderIdentity,
      recipients: m.recipients,
      kind: m.body.kind,
      text: m.body.kind === 'text' ? m.body.text : '',
      topic: m.body.kind === 'custom' ? m.body.topic : '',
      payload: m.body.kind === 'custom' ? m.body.payload : new Uint8Array(),
      created_at: m.time,
    })
    .execute();
  // The room's row is locked by the writing change, so sends to one room do not race here.
  await sql`delete from room_messages where room_id = ${m.roomId} and seq < (
      select min(seq) from (select seq from room_messages where room_id = ${m.roomId} order by seq desc limit ${keep}) kept)`.execute(db);
}

export async function recentMessages(db: RoomDb, roomId: string, limit: number, viewer?: string): Promise<RoomMessage[]> {
  let q = db.selectFrom('room_messages').selectAll().where('room_id', '=', roomId);
  if (viewer !== undefined) {
    q = q.where((eb) =>
      eb.or([eb(sql`cardinality(recipients)`, '=', 0), eb('sender_identity', '=', viewer), eb(sql.val(viewer), '=', sql<string>`any(recipients)`)]),
    );
  }
  const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
  return rows.reverse().map(toMessage);
}

export async function findMessage(db: RoomDb, roomId: string, id: string): Promise<RoomMessage | null> {
  const row = await db.selectFrom('room_messages').selectAll().where('room_id', '=', roomId).where('id', '=', id).executeTakeFirst();
  return row ? toMessage(row) : null;
}

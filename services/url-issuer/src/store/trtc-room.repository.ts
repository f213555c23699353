// The TRTC callbacks already taken, and the media rooms' rosters. A roster row changes under its row
// lock, with whatever the change publishes, so two url-issuer instances taking two callbacks about
// one user at once apply them one after the other.
import { MediaRoomUserState, unseenUser } from '../domain/trtc-callback';
import type { RosterRow, TrtcRoster } from '../app/trtc-callbacks';
import type { TrtcRoomUsersTable, UrlIssuerDb } from './database';

type Row = TrtcRoomUsersTable;

function toRoster(row: Row): RosterRow {
  const state: MediaRoomUserState = {
    entered: row.entered,
    video: row.video,
    audio: row.audio,
    presenceMs: Number(row.presence_ms),
    videoMs: Number(row.video_ms),
    audioMs: Number(row.audio_ms),
    enteredAt: row.entered_at,
    leftAt: row.left_at,
  };
  return { roomId: row.room_id, userId: row.user_id, memberId: row.member_id, identity: row.identity, state };
}

function fromRoster(r: RosterRow, now: Date): Row {
  const s = r.state;
  return {
    room_id: r.roomId,
    user_id: r.userId,
    member_id: r.memberId,
    identity: r.identity,
    entered: s.entered,
    video: s.video,
    audio: s.audio,
    presence_ms: s.presenceMs,
    video_ms: s.videoMs,
    audio_ms: s.audioMs,
    entered_at: s.enteredAt,
    left_at: s.leftAt,
    updated_at: now,
  };
}

/** Drops callbacks too old to be taken anyway, and rosters of rooms untouched for `rosterAgeMs`. */
export async function forgetOldTrtcRecords(db: UrlIssuerDb, now: Date, rosterAgeMs: number): Promise<void> {
  await db.deleteFrom('trtc_callbacks').where('expires_at', '<', now).execute();
  await db.deleteFrom('trtc_room_users').where('updated_at', '<', new Date(now.getTime() - rosterAgeMs)).execute();
}

export function pgTrtcRoster(db: UrlIssuerDb): TrtcRoster {
  return {
    async claim(sign, expiresAt) {
      const inserted = await db.insertInto('trtc_callbacks').values({ sign, expires_at: expiresAt }).onConflict((oc) => oc.column('sign').doNothing()).returning('sign').executeTakeFirst();
      return inserted !== undefined;
    },

    async release(sign) {
      await db.deleteFrom('trtc_callbacks').where('sign', '=', sign).execute();
    },

    async change(roomId, userId, change) {
      await db.transaction().execute(async (trx) => {
        // A user's first callbacks may race: the row exists before anyone locks it.
        const unseen = fromRoster({ roomId, userId, memberId: '', identity: '', state: unseenUser }, new Date());
        await trx.insertInto('trtc_room_users').values(unseen).onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing()).execute();
        const row = await trx.selectFrom('trtc_room_users').selectAll().where('room_id', '=', roomId).where('user_id', '=', userId).forUpdate().executeTakeFirstOrThrow();
        const next = await change(toRoster(row));
        if (!next) return;
        const values = fromRoster(next, new Date());
        await trx
          .insertInto('trtc_room_users')
          .values(values)
          .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ ...values }))
          .execute();
      });
    },

    async list(roomId) {
      const rows = await db.selectFrom('trtc_room_users').selectAll().where('room_id', '=', roomId).orderBy('user_id').execute();
      return rows.map(toRoster);
    },
  };
}

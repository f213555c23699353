// media_recordings rows <-> Recording domain objects.
import type { MediaServerKind, Recording } from '../domain/media-fact';
import type { MediaRecordingsTable, UrlIssuerDb } from './database';

export interface RecordingPageCursor {
  createdAt: Date;
  id: string;
}

function toRecording(row: MediaRecordingsTable): Recording {
  return {
    id: row.recording_id,
    roomId: row.room_id,
    memberId: row.member_id,
    identity: row.identity,
    streamId: row.stream_id,
    server: row.media_server as MediaServerKind,
    filePath: row.file_path,
    url: row.url,
    format: row.format,
    sizeBytes: Number(row.size_bytes),
    startTime: row.start_time ? new Date(row.start_time) : null,
    endTime: row.end_time ? new Date(row.end_time) : null,
    mediaFileId: row.media_file_id,
    createdAt: new Date(row.created_at),
  };
}

/**
 * Keeps a recording unless one with the same dedup key is kept already. Returns the kept one and
 * whether it has been announced yet (a report repeated after a failed announcement announces it).
 */
export async function keepRecording(db: UrlIssuerDb, dedupKey: string, r: Recording): Promise<{ recording: Recording; announced: boolean }> {
  await db
    .insertInto('media_recordings')
    .values({
      recording_id: r.id,
      dedup_key: dedupKey,
      media_server: r.server,
      room_id: r.roomId,
      member_id: r.memberId,
      identity: r.identity,
      stream_id: r.streamId,
      file_path: r.filePath,
      url: r.url,
      format: r.format,
      size_bytes: r.sizeBytes,
      start_time: r.startTime,
      end_time: r.endTime,
      media_file_id: r.mediaFileId,
      created_at: r.createdAt,
      announced_at: null,
    })
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .execute();
  const row = await db.selectFrom('media_recordings').selectAll().where('dedup_key', '=', dedupKey).executeTakeFirstOrThrow();
  return { recording: toRecording(row), announced: row.announced_at !== null };
}

export async function markAnnounced(db: UrlIssuerDb, recordingId: string, at: Date): Promise<void> {
  await db.updateTable('media_recordings').set({ announced_at: at }).where('recording_id', '=', recordingId).execute();
}

/** A room's recordings in the order they were kept, after the cursor. */
export async function listRecordings(db: UrlIssuerDb, roomId: string, limit: number, after: RecordingPageCursor | null): Promise<Recording[]> {
  let q = db.selectFrom('media_recordings').selectAll().where('room_id', '=', roomId);
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('recording_id', '>', after.id)])]),
    );
  }
  const rows = await q.orderBy('created_at').orderBy('recording_id').limit(limit).execute();
  return rows.map(toRecording);
}

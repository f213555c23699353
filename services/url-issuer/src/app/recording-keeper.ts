// Keeps each finished recording once, and announces it (RecordingReady) until the bus has it.
import { Logger, newId } from '@rtcroom/common';
import type { Membership } from '../domain/member-directory';
import { factIdFor, MediaFactSink, Recording } from '../domain/media-fact';
import type { UrlIssuerDb } from '../store/database';
import { keepRecording, listRecordings, markAnnounced, RecordingPageCursor } from '../store/recording.repository';

export type NewRecording = Omit<Recording, 'id' | 'createdAt' | 'roomId' | 'memberId' | 'identity' | 'streamId'>;

export class RecordingKeeper {
  constructor(
    private readonly db: UrlIssuerDb,
    private readonly sink: MediaFactSink,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Keeps the recording of `owner`'s stream unless the same file (dedupKey) is kept already.
   * `fresh` is false for a repeated report; a recording whose announcement failed is announced again.
   */
  async keep(dedupKey: string, owner: Membership, file: NewRecording): Promise<{ recording: Recording; fresh: boolean }> {
    const candidate: Recording = {
      ...file,
      id: newId('rec'),
      roomId: owner.roomId,
      memberId: owner.memberId,
      identity: owner.identity,
      streamId: owner.streamId,
      createdAt: this.now(),
    };
    const { recording, announced } = await keepRecording(this.db, dedupKey, candidate);
    const fresh = recording.id === candidate.id;
    if (!announced) {
      await this.sink.publish({
        type: 'recording_ready',
        // Derived from the recording, so announcing it again is dropped as a duplicate.
        id: factIdFor(`recording:${recording.id}`),
        time: recording.endTime ?? recording.createdAt,
        server: recording.server,
        owner,
        recording,
      });
      await markAnnounced(this.db, recording.id, this.now());
    }
    if (fresh) {
      this.logger.info('recording kept', { recordingId: recording.id, roomId: recording.roomId, identity: recording.identity, file: recording.filePath || recording.url, sizeBytes: recording.sizeBytes });
    }
    return { recording, fresh };
  }

  list(roomId: string, limit: number, after: RecordingPageCursor | null): Promise<Recording[]> {
    return listRecordings(this.db, roomId, limit, after);
  }
}

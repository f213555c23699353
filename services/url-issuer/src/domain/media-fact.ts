// What a media server told rtcroom about a member's stream, before it is encoded for the bus.
import { createHash } from 'node:crypto';
import type { Membership } from './member-directory';

export type MediaServerKind = 'nginx-rtmp' | 'tencent' | 'trtc';

export interface Recording {
  id: string;
  roomId: string;
  memberId: string;
  identity: string;
  streamId: string;
  server: MediaServerKind;
  filePath: string;
  url: string;
  format: string;
  sizeBytes: number;
  startTime: Date | null;
  endTime: Date | null;
  mediaFileId: string;
  createdAt: Date;
}

interface FactBase {
  /** Same fact, same id: the bus drops a repeat. */
  id: string;
  time: Date;
  server: MediaServerKind;
  owner: Membership;
}

export type MediaFact =
  | (FactBase & { type: 'stream_began'; clientAddress: string; app: string })
  | (FactBase & { type: 'stream_ended'; clientAddress: string; app: string; durationMs: number; errorCode: number; errorMessage: string })
  | (FactBase & { type: 'recording_ready'; recording: Recording })
  /** The member's microphone (audio) or camera (video) went on or off; undefined: not this one. */
  | (FactBase & { type: 'media_state'; audio?: boolean; video?: boolean });

/** Where facts go (the bus); resolves once the fact is stored. */
export interface MediaFactSink {
  publish(fact: MediaFact): Promise<void>;
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A fact id derived from what identifies the fact (e.g. Tencent's stream id, event type and
 * sequence), so a repeated callback yields the same id and the bus drops it. "me_" + 20 characters.
 */
export function factIdFor(key: string): string {
  const digest = createHash('sha256').update(key).digest();
  let out = 'me_';
  for (let i = 0; i < 20; i++) out += alphabet[digest[i] & 31];
  return out;
}

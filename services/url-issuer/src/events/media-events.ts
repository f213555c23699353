// Media facts on the bus: encoded as rtcroom.media.v1.MediaEvent and published on
// rtcroom.media.<room_id>.<topic>, with the fact id as the de-duplication id.
import { subjects } from '@rtcroom/common';
import { encodeMessage, mediaEventv1, recordingv1 } from '@rtcroom/proto';
import type { MediaFact, MediaServerKind, Recording } from '../domain/media-fact';


const topics: Record<MediaFact['type'], string> = {
  stream_began: 'stream.began',
  stream_ended: 'stream.ended',
  // Under stream.> with the stream facts, so presence's one consumer applies them in order.
  media_state: 'stream.media',
  recording_ready: 'recording.ready',
};

export function mediaEventSubject(roomId: string, type: MediaFact['type']): string {
  return subjects.mediaEvent(roomId, topics[type]);
}

export function toProtoMediaServer(server: MediaServerKind): recordingv1.MediaServer {
  return { tencent: recordingv1.MediaServer.MEDIA_SERVER_TENCENT, trtc: recordingv1.MediaServer.MEDIA_SERVER_TRTC, 'nginx-rtmp': recordingv1.MediaServer.MEDIA_SERVER_NGINX_RTMP }[server];
}

export function toProtoRecording(r: Recording): recordingv1.Recording {
  return {
    id: r.id,
    roomId: r.roomId,
    memberId: r.memberId,
    identity: r.identity,
    streamId: r.streamId,
    mediaServer: toProtoMediaServer(r.server),
    filePath: r.filePath,
    url: r.url,
    format: r.format,
    sizeBytes: r.sizeBytes,
    startTime: r.startTime ?? undefined,
    endTime: r.endTime ?? undefined,
    mediaFileId: r.mediaFileId,
    createTime: r.createdAt,
  };
}

function payloadOf(fact: MediaFact): mediaEventv1.MediaEvent['payload'] {
  switch (fact.type) {
    case 'stream_began':
      return { $case: 'streamBegan', value: { clientAddress: fact.clientAddress, app: fact.app } };
    case 'stream_ended':
      return {
        $case: 'streamEnded',
        value: {
          clientAddress: fact.clientAddress,
          app: fact.app,
          durationMs: fact.durationMs,
          errorCode: fact.errorCode,
          errorMessage: fact.errorMessage,
        },
      };
    case 'media_state':
      return { $case: 'mediaState', value: { audio: fact.audio, video: fact.video } };
    case 'recording_ready':
      return { $case: 'recordingReady', value: { recording: toProtoRecording(fact.recording) } };
  }
}

export function encodeMediaEvent(fact: MediaFact): Uint8Array {
  return encodeMessage(mediaEventv1.MediaEvent, {
    id: fact.id,
    time: fact.time,
    roomId: fact.owner.roomId,
    streamId: fact.owner.streamId,
    memberId: fact.owner.memberId,
    identity: fact.owner.identity,
    mediaServer: toProtoMediaServer(fact.server),
    payload: payloadOf(fact),
  });
}

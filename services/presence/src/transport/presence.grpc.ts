// rtcroom.presence.v1.PresenceService over gRPC.
import { bindService, DomainError, ServiceBinding } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { Session } from '../domain/session-registry';
import { PresenceApp } from '../presence-app';

const P = presencev1.PusherAction;
const actions = {
  stream_started: P.PUSHER_ACTION_STREAM_STARTED,
  stream_stopped: P.PUSHER_ACTION_STREAM_STOPPED,
  reissue_url: P.PUSHER_ACTION_REISSUE_URL,
  none: P.PUSHER_ACTION_NONE,
};

const toProtoSession = (s: Session): presencev1.Session => ({
  sessionId: s.sessionId,
  identity: s.identity,
  gatewayId: s.gatewayId,
  openTime: s.openedAt,
  lastSeenTime: s.lastSeenAt,
});

export function presenceGrpcBinding(app: PresenceApp): ServiceBinding {
  return bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    {
      async openSession(req) {
        return { session: toProtoSession(app.open(req.sessionId, req.identity, req.gatewayId)) };
      },
      async closeSession(req) {
        if (!req.sessionId) throw new DomainError('INVALID_ARGUMENT', 'session_id is required');
        await app.close(req.sessionId);
        return {};
      },
      async keepAlive(req) {
        if (req.sessionIds.length > 100_000) throw new DomainError('INVALID_ARGUMENT', 'at most 100000 session ids per call');
        return { unknownSessionIds: app.keepAlive(req.gatewayId, req.sessionIds) };
      },
      async getUserPresence(req) {
        const sessions = app.sessionsOf(req.identity);
        return { online: sessions.length > 0, sessions: sessions.map(toProtoSession) };
      },
      async reportPusherEvent(req) {
        return { action: actions[await app.reportPusher(req.sessionId, req.identity, req.roomId, req.code)] };
      },
    },
    'rtcroom.presence',
  );
}

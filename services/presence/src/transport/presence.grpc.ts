// rtcroom.presence.v1.PresenceService over gRPC.
import { bindService, CallerPolicy, DomainError, isDomainError, ServiceBinding } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { Session } from '../domain/session';
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
  lastSeenTime: undefined,
  state: s.state === 'connected' ? presencev1.SessionState.SESSION_STATE_CONNECTED : presencev1.SessionState.SESSION_STATE_INTERRUPTED,
  interruptTime: s.interruptedAt ?? undefined,
});

const maxUpdates = 1000;

/** An open of UpdateSessions: its session, or why it failed (a store failure is UNAVAILABLE, as a single call's would be). */
const toOpenResult = (r: Session | Error): presencev1.OpenSessionResult =>
  r instanceof Error
    ? { session: undefined, errorReason: isDomainError(r) ? r.reason : 'UNAVAILABLE', errorMessage: r.message }
    : { session: toProtoSession(r), errorReason: '', errorMessage: '' };

/**
 * Who may call each method with mutual TLS: the gateways own the sessions; the room service asks who
 * is online (calls, the service desk), and so may internal systems.
 */
export const presenceServiceCallers: CallerPolicy<typeof presencev1.PresenceServiceService> = {
  openSession: ['gateway'],
  closeSession: ['gateway'],
  resumeSession: ['gateway'],
  updateSessions: ['gateway'],
  keepAlive: ['gateway'],
  getUserPresence: ['room', 'internal'],
  listOnline: ['room', 'internal'],
  reportPusherEvent: ['gateway'],
};

export function presenceGrpcBinding(app: PresenceApp): ServiceBinding {
  const grace = app.policy.resumeGraceMs;
  return bindService(
    'rtcroom.presence.v1.PresenceService',
    presencev1.PresenceServiceService,
    {
      async openSession(req) {
        return { session: toProtoSession(await app.open(req.sessionId, req.identity, req.gatewayId)), resumeGraceMs: grace };
      },
      async closeSession(req, call) {
        if (!req.sessionId) throw new DomainError('INVALID_ARGUMENT', 'session_id is required');
        await app.close(req.sessionId, req.gatewayId, req.resumable, req.holdsNoSeats, call);
        return {};
      },
      async resumeSession(req, call) {
        if (!req.sessionId || !req.identity || !req.gatewayId) throw new DomainError('INVALID_ARGUMENT', 'session_id, identity and gateway_id are required');
        const { session, seats, roomSeqs } = await app.resume(req.sessionId, req.identity, req.gatewayId, call);
        return { session: toProtoSession(session), seats, resumeGraceMs: grace, roomSeqs };
      },
      async updateSessions(req, call) {
        if (req.opens.length > maxUpdates || req.closes.length > maxUpdates) throw new DomainError('INVALID_ARGUMENT', `at most ${maxUpdates} opens and ${maxUpdates} closes per call`);
        // An item without a gateway id is the request's (as a single OpenSession's would be refused without one).
        const gatewayId = req.gatewayId;
        const opens = req.opens.map((o) => ({ ...o, gatewayId: o.gatewayId || gatewayId }));
        const closes = req.closes.map((c) => ({ ...c, gatewayId: c.gatewayId || gatewayId }));
        const { opened, failedCloses } = await app.update(gatewayId, opens, closes, call);
        return { opens: opened.map(toOpenResult), failedCloseSessionIds: failedCloses, resumeGraceMs: grace };
      },
      async keepAlive(req) {
        if (!req.gatewayId) throw new DomainError('INVALID_ARGUMENT', 'gateway_id is required');
        if (req.sessionIds.length > 100_000) throw new DomainError('INVALID_ARGUMENT', 'at most 100000 session ids per call');
        const unknownSessionIds = await app.keepAlive(req.gatewayId, req.sessionIds, req.listsAll);
        return { unknownSessionIds, otherGatewaysAlive: await app.otherGatewaysAlive(req.gatewayId) };
      },
      async getUserPresence(req) {
        const sessions = await app.sessionsOf(req.identity);
        return { online: sessions.some((s) => s.state === 'connected'), sessions: sessions.map(toProtoSession) };
      },
      async listOnline(req) {
        if (req.identities.length > 500) throw new DomainError('INVALID_ARGUMENT', 'at most 500 identities per call');
        const online: string[] = [];
        for (const identity of req.identities) {
          if ((await app.sessionsOf(identity)).some((s) => s.state === 'connected')) online.push(identity);
        }
        return { onlineIdentities: online };
      },
      async reportPusherEvent(req, call) {
        return { action: actions[await app.reportPusher(req.sessionId, req.identity, req.roomId, req.code, call)] };
      },
    },
    'rtcroom.presence',
    presenceServiceCallers,
  );
}

// Whether nginx-rtmp may let a publish or a play through: the signature first (no lookup for a
// forged URL), then the membership it was issued for. Every refusal has a reason for the log.
import type { MemberDirectory, MembershipWithRoom } from './member-directory';
import { isCurrent } from './member-directory';
import { standInRoom, StandInParams, verifyPlaySignature, verifyPushSignature, verifyRelayToken } from './providers/self-hosted';

/** Why a media server request was refused. LOOKUP_FAILED fails closed: the room service did not answer. */
export type RefusalReason =
  | 'UNKNOWN_APP'
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'NO_SUCH_STREAM'
  | 'MEMBER_LEFT'
  | 'ROOM_CLOSED'
  | 'ROOM_NOT_RECORDING'
  | 'VIEWER_NOT_A_MEMBER'
  | 'LOOKUP_FAILED';

export type HookDecision =
  | { allowed: true; owner: MembershipWithRoom; relay: boolean; standIn?: true }
  | { allowed: false; reason: RefusalReason; detail: string };

export interface HookSettings {
  signingKey: string;
  /** The application viewers play from (and non-recorded pushes go to). */
  app: string;
  /** The application that records and relays into `app`. */
  recordApp: string;
}

/** What nginx-rtmp sends with on_publish (and the done hooks): the URL's query is merged in. */
export interface PublishRequest extends StandInParams {
  app?: string;
  name?: string;
  exp?: string;
  sig?: string;
  /** The connection's tcUrl; the relay into `app` carries `?relay=<token>` in it. */
  tcurl?: string;
}

export interface PlayRequest extends StandInParams {
  app?: string;
  name?: string;
  viewer?: string;
  exp?: string;
  sig?: string;
  /** `none`: a URL signed for a viewer without a seat (a supervisor monitoring the room's call). */
  seat?: string;
}

const refuse = (reason: RefusalReason, detail: string): HookDecision => ({ allowed: false, reason, detail });

export function relayTokenOf(tcurl: string | undefined): string | undefined {
  if (!tcurl) return undefined;
  const query = tcurl.indexOf('?');
  return query < 0 ? undefined : (new URLSearchParams(tcurl.slice(query + 1)).get('relay') ?? undefined);
}

/** Is this publish nginx's own relay from the recording application into the play application? */
export function isRelay(settings: HookSettings, req: PublishRequest): boolean {
  return req.app === settings.app && !req.sig && relayTokenOf(req.tcurl) !== undefined;
}

async function lookup<T>(find: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; detail: string }> {
  try {
    return { ok: true, value: await find() };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** The stream must belong to a membership that is still current, in a room that is still open. */
async function currentOwner(directory: MemberDirectory, streamId: string): Promise<HookDecision> {
  const found = await lookup(() => directory.byStream(streamId));
  if (!found.ok) return refuse('LOOKUP_FAILED', found.detail);
  const owner = found.value;
  if (!owner) return refuse('NO_SUCH_STREAM', `no membership owns stream ${streamId}`);
  if (!isCurrent(owner.member)) return refuse('MEMBER_LEFT', `${owner.member.identity} has left room ${owner.room.roomId}`);
  if (!owner.room.open) return refuse('ROOM_CLOSED', `room ${owner.room.roomId} is closed`);
  return { allowed: true, owner, relay: false };
}

/**
 * A stream no membership owns may be a stand-in's (a whisper) bound to a room by its URL: it has no
 * member to tell of it (standIn) and plays only to that room's seats. Whether the room is still open
 * is not asked: a push into a closed room's stand-in stream reaches nobody, as no seat is left there.
 */
async function ownerOrStandIn(settings: HookSettings, directory: MemberDirectory, req: { name?: string } & StandInParams): Promise<HookDecision> {
  const decision = await currentOwner(directory, req.name!);
  if (decision.allowed || decision.reason !== 'NO_SUCH_STREAM') return decision;
  const roomId = standInRoom(settings.signingKey, req.name, req);
  if (!roomId) return decision;
  const member = { memberId: '', identity: '', roomId, streamId: req.name!, state: 'publishing' as const };
  return { allowed: true, owner: { member, room: { roomId, open: true, recording: false } }, relay: false, standIn: true };
}

export async function decidePublish(settings: HookSettings, directory: MemberDirectory, req: PublishRequest, now: Date): Promise<HookDecision> {
  if (req.app !== settings.app && req.app !== settings.recordApp) return refuse('UNKNOWN_APP', `application ${req.app ?? '(none)'}`);
  if (isRelay(settings, req)) {
    if (!verifyRelayToken(settings.signingKey, settings.recordApp, settings.app, relayTokenOf(req.tcurl))) {
      return refuse('BAD_SIGNATURE', 'relay token does not match');
    }
    if (!req.name) return refuse('MALFORMED', 'no stream name');
    const decision = await currentOwner(directory, req.name);
    if (!decision.allowed) return decision;
    // Only recorded streams are relayed; a relay of anything else is not ours.
    if (!decision.owner.room.recording) return refuse('ROOM_NOT_RECORDING', `room ${decision.owner.room.roomId} does not record`);
    return { ...decision, relay: true };
  }
  const verdict = verifyPushSignature(settings.signingKey, { app: req.app, streamId: req.name, exp: req.exp, sig: req.sig }, now);
  if (verdict !== 'OK') return refuse(verdict, `push signature of ${req.app}/${req.name ?? ''}`);
  return ownerOrStandIn(settings, directory, req);
}

export async function decidePlay(settings: HookSettings, directory: MemberDirectory, req: PlayRequest, now: Date): Promise<HookDecision> {
  // Viewers play from the play application only; play URLs are never issued for another.
  if (req.app !== settings.app) return refuse('UNKNOWN_APP', `application ${req.app ?? '(none)'}`);
  const verdict = verifyPlaySignature(settings.signingKey, { streamId: req.name, viewer: req.viewer, exp: req.exp, sig: req.sig, seat: req.seat }, now);
  if (verdict !== 'OK') return refuse(verdict, `play signature of ${req.name ?? ''} for ${req.viewer ?? ''}`);
  const decision = await ownerOrStandIn(settings, directory, req);
  // Signed seatless only for a viewer the gateway vouched for: it plays this stream while its
  // publisher is in the open room, like a seated viewer's URL, but without the seat.
  if (!decision.allowed || req.seat === 'none') return decision;
  const found = await lookup(() => directory.seated(decision.owner.room.roomId, req.viewer!));
  if (!found.ok) return refuse('LOOKUP_FAILED', found.detail);
  if (!found.value) return refuse('VIEWER_NOT_A_MEMBER', `${req.viewer} holds no seat in room ${decision.owner.room.roomId}`);
  return decision;
}

/**
 * Whose push a done hook (on_publish_done, on_record_done) is about. Expiry does not matter here (a
 * URL may expire while its stream runs), a valid signature does: nobody else can fake a member's
 * stream facts. Null for nginx's own relay and for anything not signed by rtcroom.
 */
export async function identifyPush(
  settings: HookSettings,
  directory: MemberDirectory,
  req: PublishRequest,
  now: Date,
): Promise<{ owner: MembershipWithRoom } | { owner: null; reason: RefusalReason | 'RELAY'; detail: string }> {
  if (isRelay(settings, req)) return { owner: null, reason: 'RELAY', detail: 'relay into the play application' };
  if (req.app !== settings.app && req.app !== settings.recordApp) return { owner: null, reason: 'UNKNOWN_APP', detail: `application ${req.app}` };
  const verdict = verifyPushSignature(settings.signingKey, { app: req.app, streamId: req.name, exp: req.exp, sig: req.sig }, now);
  if (verdict !== 'OK' && verdict !== 'EXPIRED') return { owner: null, reason: verdict, detail: `push signature of ${req.name ?? ''}` };
  const found = await lookup(() => directory.byStream(req.name!));
  if (!found.ok) return { owner: null, reason: 'LOOKUP_FAILED', detail: found.detail };
  if (!found.value) return { owner: null, reason: 'NO_SUCH_STREAM', detail: `no membership owns stream ${req.name}` };
  return { owner: found.value };
}

// TRTC's room and media event callbacks, the media server's word on a TRTC room: checked (Sign over
// the raw body, SdkAppId, CallbackTs not too old), taken once (a replay is acknowledged and changes
// nothing), and applied to the room's roster. 103/104 say who is really in the media room, and a user
// there without a seat in the rtcroom room is removed from it, unless it is an audience member rtcroom
// admitted who receives only (audienceMayStay); 201-204 turn the member's stream on
// (camera or microphone on) and off (both off, or the user left), as stream facts on the bus, and
// are the member's media state (which of camera and microphone is on) as media_state facts.
import type { Logger } from '@rtcroom/common';
import { factIdFor, MediaFactSink } from '../domain/media-fact';
import { isCurrent, MemberDirectory, MembershipWithRoom } from '../domain/member-directory';
import { applyTrtcEvent, audienceMayStay, checkTrtcCallback, isPublishing, MediaRoomUserState, readTrtcEvent, TrtcCallbackCheck, TrtcEvent } from '../domain/trtc-callback';

/** One user of a TRTC room, and the membership its user id is the stream of ('' when none). */
export interface RosterRow {
  roomId: string;
  userId: string;
  memberId: string;
  identity: string;
  state: MediaRoomUserState;
}

/** The callbacks taken, and the rosters (store/trtc-room.repository.ts keeps them in Postgres). */
export interface TrtcRoster {
  /** Takes a callback by its Sign; false when it was taken already. */
  claim(sign: string, expiresAt: Date): Promise<boolean>;
  /** Gives a claim back, so Tencent's retry of a callback that failed is taken. */
  release(sign: string): Promise<void>;
  /** Runs `change` on the user's row under its lock; what it returns is written (null: nothing), all or nothing. */
  change(roomId: string, userId: string, change: (row: RosterRow) => Promise<RosterRow | null>): Promise<void>;
  list(roomId: string): Promise<RosterRow[]>;
}

/** TRTC's server API as rtcroom needs it (media-server/trtc-api.ts). */
export interface MediaRoomControl {
  removeUsers(roomId: string, userIds: string[]): Promise<void>;
  dismissRoom(roomId: string): Promise<void>;
}

export interface TrtcCallbackSettings extends Omit<TrtcCallbackCheck, 'callbackKey'> {
  /** Absent: the deployment takes no TRTC callbacks, and every one is refused. */
  callbackKey: string | undefined;
}

export interface TrtcAnswer {
  status: number;
  body: { code: number; message?: string };
}

const acknowledged: TrtcAnswer = { status: 200, body: { code: 0 } };
const failed = (status: number, message: string): TrtcAnswer => ({ status, body: { code: 1, message } });

export class TrtcCallbacks {
  constructor(
    private readonly settings: TrtcCallbackSettings,
    private readonly directory: MemberDirectory,
    private readonly sink: MediaFactSink,
    private readonly roster: TrtcRoster,
    /** Null: the TRTC API is not configured, and a user without a seat can only be logged. */
    private readonly control: MediaRoomControl | null,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async handle(headers: { sdkAppId?: string; sign?: string }, rawBody: string): Promise<TrtcAnswer> {
    const { callbackKey } = this.settings;
    if (!callbackKey) {
      this.logger.warn('trtc callback refused', { reason: 'NOT_CONFIGURED', detail: 'TRTC_CALLBACK_KEY is not set' });
      return failed(503, 'callbacks are not configured');
    }
    const verdict = checkTrtcCallback({ ...this.settings, callbackKey }, headers.sdkAppId, headers.sign, rawBody, this.now());
    if (verdict !== 'OK') {
      this.logger.warn('trtc callback refused', { reason: verdict, sdkAppId: headers.sdkAppId });
      return failed(verdict === 'MALFORMED' ? 400 : 403, verdict);
    }
    const body = JSON.parse(rawBody) as { CallbackTs: number };
    const reading = readTrtcEvent(body);
    if (reading.kind === 'malformed') return failed(400, reading.why);
    if (reading.kind === 'ignored') {
      this.logger.debug('trtc callback ignored', { eventType: reading.eventType, why: reading.why });
      return acknowledged;
    }
    const sign = headers.sign!;
    if (!(await this.roster.claim(sign, new Date(body.CallbackTs + this.settings.maxAgeMs)))) {
      this.logger.warn('trtc callback repeated', { reason: 'REPLAYED', kind: reading.event.kind, roomId: reading.event.roomId, userId: reading.event.userId });
      return acknowledged;
    }
    try {
      await this.apply(reading.event);
      return acknowledged;
    } catch (err) {
      // Not acknowledged, so Tencent tries again; the claim is given back for that try.
      this.logger.error('trtc callback failed', { kind: reading.event.kind, roomId: reading.event.roomId, userId: reading.event.userId, err });
      await this.roster.release(sign).catch((releaseErr) => this.logger.warn('could not give a trtc callback claim back', { err: releaseErr }));
      return failed(503, 'try again');
    }
  }

  private async apply(event: TrtcEvent): Promise<void> {
    const owner = await this.directory.byStream(event.userId);
    // The membership this user id is the stream of, if it is of this room (a user id from another room is nobody here).
    const member = owner && owner.member.roomId === event.roomId ? owner : null;
    const seated = member !== null && isCurrent(member.member) && member.room.open;
    const audience = !seated && member !== null && member.member.inAudience === true && member.room.open;
    // An audience member's user sends nothing rtcroom plays: no stream or media facts of its.
    const publisher = audience ? null : member;
    let inRoom = false;
    let mayStay = seated;
    await this.roster.change(event.roomId, event.userId, async (row) => {
      const after = applyTrtcEvent(row.state, event);
      inRoom = after.entered;
      mayStay ||= audienceMayStay(audience, event, after);
      if (after === row.state) return null;
      // Published before the row commits: a failure rolls the row back and Tencent's retry publishes
      // again (the same fact id, which the bus drops if the first publish did land).
      if (publisher && isPublishing(row.state) !== isPublishing(after)) await this.publishStream(publisher, event, isPublishing(after));
      if (publisher) await this.publishMedia(publisher, event, row.state, after);
      return { ...row, memberId: member?.member.memberId ?? '', identity: member?.member.identity ?? '', state: after };
    });
    this.logger.info(`trtc ${event.kind}`, { roomId: event.roomId, userId: event.userId, identity: member?.member.identity, seated, audience, role: event.role, reason: event.reason });
    if (!mayStay && inRoom && event.kind !== 'left') await this.removeUnseated(event);
  }

  private async publishStream(owner: MembershipWithRoom, event: TrtcEvent, began: boolean): Promise<void> {
    const type = began ? 'stream_began' : 'stream_ended';
    const common = { id: factIdFor(`trtc:${event.roomId}:${event.userId}:${type}:${event.atMs}`), time: new Date(event.atMs || this.now().getTime()), server: 'trtc' as const, owner: owner.member, clientAddress: '', app: '' };
    await this.sink.publish(began ? { ...common, type: 'stream_began' } : { ...common, type: 'stream_ended', durationMs: 0, errorCode: 0, errorMessage: '' });
  }

  /** The camera or microphone that went on or off (leaving turns both off), as the member's media state. */
  private async publishMedia(owner: MembershipWithRoom, event: TrtcEvent, before: MediaRoomUserState, after: MediaRoomUserState): Promise<void> {
    const audio = after.audio !== before.audio ? after.audio : undefined;
    const video = after.video !== before.video ? after.video : undefined;
    if (audio === undefined && video === undefined) return;
    const id = factIdFor(`trtc:${event.roomId}:${event.userId}:media:${event.kind}:${event.atMs}`);
    await this.sink.publish({ id, time: new Date(event.atMs || this.now().getTime()), server: 'trtc', owner: owner.member, type: 'media_state', audio, video });
  }

  /** A user in the media room without a seat in the rtcroom room (never had one, or lost it; or an audience member sending) is put out. */
  private async removeUnseated(event: TrtcEvent): Promise<void> {
    if (!this.control) {
      this.logger.warn('a user without a seat is in the trtc room, and TRTC_API_SECRET_ID is not set to remove it', { roomId: event.roomId, userId: event.userId });
      return;
    }
    await this.control.removeUsers(event.roomId, [event.userId]);
    this.logger.info('removed a user without a seat from the trtc room', { roomId: event.roomId, userId: event.userId });
  }
}

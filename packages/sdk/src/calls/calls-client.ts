// The client's calls layer: 1:1 calls (place, answer or reject, cancel, hang up), each call's seat in
// its room, and the calls in progress, kept by call-tracker.ts from answers and call notices and read
// again after a resume.
import type { Answer, Call, ClientKind, ServerMessage, Welcome } from '../protocol.js';
import { JoinedRoom, RoomsClient } from '../rooms/rooms-client.js';
import { CallTracker } from './call-tracker.js';

export abstract class CallsClient extends RoomsClient {
  protected readonly callTracker = new CallTracker(this.events, () => this.identity);

  /**
   * Calls someone: you get a seat in a new call room and its push URL. Start pushing; once your push
   * began (pusher code 1002) the callee is told (incomingCall). Errors: CALLEE_OFFLINE, CALLEE_BUSY.
   */
  /** options.kind: this seat's kind, when it is not the client's (RtcRoomClientOptions.kind). */
  async placeCall(
    calleeIdentity: string,
    options: { recording?: boolean; metadata?: string; ringTimeoutSeconds?: number; kind?: ClientKind } = {},
  ): Promise<{ call: Call; room: JoinedRoom }> {
    const answer = await this.transport.request('placeCall', { calleeIdentity, ...options }, { onAnswer: (a) => this.callPlaced(a) });
    return { call: this.callTracker.get(answer.call.id) ?? answer.call, room: this.joined(answer.room.id) };
  }

  /**
   * Accepts an incoming call, or an invitation into a running one: a seat, your push URL and the play
   * URLs of those already publishing. options.kind: the seat's kind, when it is not the client's.
   */
  async answerCall(callId: string, accept = true, options: { kind?: ClientKind } = {}): Promise<{ call: Call; room?: JoinedRoom }> {
    const answer = await this.transport.request('answerCall', { callId, accept, ...options }, {
      onAnswer: (a) => {
        this.callTracker.changed({ call: a.call }, !accept);
        if (a.room && a.member) this.roomTracker.seated({ room: a.room, member: a.member, members: a.members, pushUrl: a.pushUrl, playUrls: a.playUrls, seq: a.seq });
      },
    });
    return { call: answer.call, room: answer.room && this.roomTracker.snapshot(answer.room.id) ? this.joined(answer.room.id) : undefined };
  }

  rejectCall(callId: string): Promise<Call> {
    return this.answerCall(callId, false).then((a) => a.call);
  }

  /** The caller gives up before an answer. */
  cancelCall(callId: string): Promise<Call> {
    return this.transport.request('cancelCall', { callId }, { onAnswer: this.track }).then((a) => a.call);
  }

  hangUp(callId: string): Promise<Call> {
    return this.transport.request('hangUp', { callId }, { onAnswer: this.track }).then((a) => a.call);
  }

  /** A call of yours that has not ended, by id. */
  call(callId: string): Call | undefined {
    return this.callTracker.get(callId);
  }

  activeCalls(): Call[] {
    return this.callTracker.active();
  }

  // ---- what comes in

  /**
   * Takes your seat in a call under way again (told as `callToRejoin`: a page reloaded, a
   * mini-program opened again): the seat your resumed session still holds, with a fresh push URL
   * (the others saw you dropped and back), or a new one in its place. The call goes on.
   */
  async rejoinCall(callId: string, options: { kind?: ClientKind } = {}): Promise<{ call: Call; room: JoinedRoom }> {
    const call = this.callTracker.get(callId) ?? (await this.transport.request('getCall', { callId }, { onAnswer: this.track })).call;
    const room = await this.joinRoom({ roomId: call.roomId, ...options });
    return { call: this.callTracker.get(callId) ?? call, room };
  }

  protected override onWelcome(welcome: Welcome): void {
    super.onWelcome(welcome);
    // This client's first session may be one resumed from before a reload: its calls are unknown here.
    if (welcome.resumed && !this.firstWelcome) void this.refreshCalls();
    else void this.learnCalls(welcome);
  }

  protected override onFrame(frame: ServerMessage): void {
    const n = frame.callNotice;
    if (n?.whisperPlayUrl && n.whisperIdentity) this.events.emit('whisper', { call: n.call, supervisor: n.whisperIdentity, playUrl: n.whisperPlayUrl });
    else if (n) this.callTracker.changed(n);
    else if (frame.monitorNotice) this.events.emit('monitorUpdate', frame.monitorNotice);
    else super.onFrame(frame);
  }

  protected override forget(): void {
    super.forget();
    this.callTracker.clear();
  }

  /** placeCall and callTeam: the call, and the caller's seat in its room. */
  protected callPlaced(a: Answer<'placeCall'>): void {
    this.callTracker.changed({ call: a.call });
    this.roomTracker.seated({ room: a.room, member: a.member, members: [a.member], pushUrl: a.pushUrl, playUrls: [], seq: a.seq });
  }

  /** For a request answered with a call: its new state is tracked as the answer comes. */
  protected readonly track = (answer: { call: Call }): void => this.callTracker.changed({ call: answer.call });

  /**
   * A session that did not resume (the first connect, an app opened again, a page reloaded): the calls
   * under way for this identity that began before it, so one that rings for it rings here too.
   */
  private async learnCalls(welcome: Welcome): Promise<void> {
    let calls: Call[];
    try {
      ({ calls } = await this.transport.request('listMyCalls', {}));
    } catch {
      // A gateway without the request, or the connection gone: calls are told from now on as they come.
      return;
    }
    for (const call of calls) this.callTracker.listed(call);
    const me = this.identity;
    for (const call of calls) {
      const seatKept = welcome.resumed && welcome.seats.some((s) => s.roomId === call.roomId);
      if (this.transport.welcome !== welcome || !this.callTracker.get(call.id) || this.roomTracker.snapshot(call.roomId)) continue;
      if (seatedParty(call, me) || seatKept) this.events.emit('callToRejoin', { call: this.callTracker.get(call.id)!, seatKept });
    }
  }

  /** After a resume: what happened to the calls in progress while the connection was away. */
  private async refreshCalls(): Promise<void> {
    for (const known of this.callTracker.active()) {
      try {
        const { call } = await this.transport.request('getCall', { callId: known.id });
        this.callTracker.changed({ call });
      } catch {
        // Gone or refused: the next call notice, if any, tells.
      }
    }
  }
}

/**
 * A party with a seat in the call's room: its caller from the start, its callee once it answered. An
 * invited guest's seat shows in the resumed session's seats.
 */
function seatedParty(call: Call, me: string): boolean {
  return call.callerIdentity === me || (call.calleeIdentity === me && call.state === 'CALL_STATE_ACTIVE');
}

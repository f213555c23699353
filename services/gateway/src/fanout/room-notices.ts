// Room events (NATS) -> room notices (WebSocket): the same facts, in the client's terms.
import { gatewayv1, mediav1, roomEventv1, roomMessagev1, roomv1 } from '@rtcroom/proto';

/**
 * The notice for one recipient (`viewer`: its identity); null for events clients are not told about.
 * A message addressed to others reaches the viewer as its bare seq: it keeps the viewer's count of the
 * room's notices whole without telling it what was said, or to whom.
 */
export function noticeFor(event: roomEventv1.RoomEvent, viewer: string, playUrl?: mediav1.PlayUrl): gatewayv1.RoomNotice | null {
  const base = { roomId: event.roomId, seq: event.seq, time: event.time };
  const p = event.payload;
  switch (p?.$case) {
    case 'messageSent':
      return p.value.message && messageFor(p.value.message, viewer) ? { ...base, notice: { $case: 'message', value: { message: p.value.message } } } : { ...base, notice: undefined };
    case 'memberJoined':
      if (audienceToOthers(p.value.member, viewer)) return { ...base, notice: { $case: 'audience', value: { audienceCount: p.value.audienceCount } } };
      return { ...base, notice: { $case: 'memberJoined', value: { member: p.value.member } } };
    case 'memberLeft':
      if (audienceToOthers(p.value.member, viewer)) return { ...base, notice: { $case: 'audience', value: { audienceCount: p.value.audienceCount } } };
      return { ...base, notice: { $case: 'memberLeft', value: { member: p.value.member, reason: p.value.reason, reasonText: p.value.reasonText } } };
    case 'memberRoleChanged': {
      const v = p.value;
      return { ...base, notice: { $case: 'memberRole', value: { member: v.member, previousRole: v.previousRole, byIdentity: v.byIdentity, audienceCount: v.audienceCount } } };
    }
    case 'seatRequested':
      return { ...base, notice: { $case: 'seatRequest', value: { member: p.value.member, invited: false, byIdentity: '' } } };
    case 'seatInvited':
      return { ...base, notice: { $case: 'seatRequest', value: { member: p.value.member, invited: true, byIdentity: p.value.byIdentity } } };
    case 'memberUpdated':
      if (audienceToOthers(p.value.member, viewer)) return { ...base, notice: undefined };
      return { ...base, notice: { $case: 'memberUpdated', value: { member: p.value.member } } };
    case 'recordingReady':
      return { ...base, notice: { $case: 'recordingReady', value: { recording: p.value.recording } } };
    case 'memberConnectionChanged':
      if (audienceToOthers(p.value.member, viewer)) return { ...base, notice: undefined };
      return { ...base, notice: { $case: 'memberConnection', value: { member: p.value.member, connected: p.value.connected } } };
    case 'roomUpdated':
      return { ...base, notice: { $case: 'roomUpdated', value: { room: p.value.room } } };
    case 'streamStarted':
      return { ...base, notice: { $case: 'streamStarted', value: { member: p.value.member, playUrl } } };
    case 'streamStopped':
      return { ...base, notice: { $case: 'streamStopped', value: { member: p.value.member } } };
    case 'memberMediaChanged':
      if (audienceToOthers(p.value.member, viewer)) return { ...base, notice: undefined };
      return { ...base, notice: { $case: 'memberMedia', value: { member: p.value.member, reason: p.value.reason } } };
    case 'roomClosed':
      return { ...base, notice: { $case: 'roomClosed', value: { room: p.value.room, reason: p.value.reason } } };
    default:
      return null;
  }
}

/**
 * An audience member's arrival or departure reaches the others as the audience's size only, and its
 * profile, connection and media changes (a mute asked before it takes a seat) as their bare seq (a
 * large audience does not flood the room with names); the member itself hears its own as usual.
 */
function audienceToOthers(member: roomv1.Member | undefined, viewer: string): boolean {
  return member?.role === roomv1.MemberRole.MEMBER_ROLE_AUDIENCE && member.identity !== viewer;
}

/** Whether the viewer is told a message: sent to the whole room, to it, or by it. */
export function messageFor(m: Pick<roomMessagev1.RoomMessage, 'recipients' | 'senderIdentity'>, viewer: string): boolean {
  return m.recipients.length === 0 || m.senderIdentity === viewer || m.recipients.includes(viewer);
}

/** What a viewer's notice of the event depends on besides the event (frames are encoded once per key). */
export function noticeKey(event: roomEventv1.RoomEvent, viewer: string, playUrl?: mediav1.PlayUrl): mediav1.PlayUrl | boolean | undefined {
  const p = event.payload;
  if (p?.$case === 'messageSent') return p.value.message ? messageFor(p.value.message, viewer) : false;
  if (p?.$case === 'memberJoined' || p?.$case === 'memberLeft' || p?.$case === 'memberUpdated' || p?.$case === 'memberConnectionChanged' || p?.$case === 'memberMediaChanged') {
    return audienceToOthers(p.value.member, viewer);
  }
  return playUrl;
}

/**
 * Whether, after this event, the recipient no longer holds its seat. When the room closes (the room
 * service says so), its own departure is followed by the room's closing, which it still hears.
 */
export function endsSeat(event: roomEventv1.RoomEvent, memberId: string): boolean {
  const p = event.payload;
  if (p?.$case === 'roomClosed') return true;
  return p?.$case === 'memberLeft' && p.value.member?.memberId === memberId && !p.value.roomClosing;
}

/** The member whose stream began, when the event says one did. */
export function startedStream(event: roomEventv1.RoomEvent): { identity: string; streamId: string } | null {
  const p = event.payload;
  if (p?.$case !== 'streamStarted' || !p.value.member) return null;
  return { identity: p.value.member.identity, streamId: p.value.member.streamId };
}

// Turning what the console knows into HTML: the rooms list, the room's members and URLs, the calls,
// and one line of the event log per SDK event. Every value from the server is escaped.
import type { Call, Member, PlayUrl, Room, RoomSnapshot, RtcRoomEvents, UiKey } from '@rtcroom/sdk';
import { t } from './i18n.js';

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const short = (enumValue: string, prefix: string) => enumValue.replace(prefix, '').toLowerCase().replace(/_/g, ' ');

const callBadges: Partial<Record<Call['state'], UiKey>> = {
  CALL_STATE_DIALING: 'callBadgeDialing',
  CALL_STATE_QUEUED: 'callBadgeQueued',
  CALL_STATE_RINGING: 'callBadgeRinging',
  CALL_STATE_ACTIVE: 'callBadgeActive',
  CALL_STATE_ENDED: 'callBadgeEnded',
};

/** A call's state for its badge, in the console's language. */
export const callStateLabel = (state: Call['state']) => (callBadges[state] ? t(callBadges[state]!) : short(state, 'CALL_STATE_'));

/** A room's name for people: its title, or for a call room who the call is with. */
export function roomTitle(r: RoomSnapshot): string {
  if (r.room.kind !== 'ROOM_KIND_CALL') return r.room.displayName || r.room.name;
  const other = r.members.find((m) => m.memberId !== r.self.memberId);
  return other ? t('callWith', { name: other.displayName || other.identity }) : t('oneToOneCall');
}

export function memberState(m: Member): 'interrupted' | 'publishing' | 'joined' | 'left' {
  if (m.connectionInterrupted) return 'interrupted';
  if (m.state === 'MEMBER_STATE_PUBLISHING') return 'publishing';
  if (m.state === 'MEMBER_STATE_LEFT') return 'left';
  return 'joined';
}

export function roomRows(rooms: Room[], joined: Set<string>): string {
  if (rooms.length === 0) return `<li class="sub">${esc(t('noOpenRooms'))}</li>`;
  return rooms
    .map((r) => {
      const title = r.kind === 'ROOM_KIND_CALL' ? t('oneToOneCall') : r.displayName || r.name;
      const action = joined.has(r.id)
        ? `<button class="small quiet" data-show="${esc(r.id)}">${esc(t('open'))}</button>`
        : `<span><button class="small" data-join="${esc(r.id)}" data-testid="join-${esc(r.name)}">${esc(t('join'))}</button> <button class="small quiet" data-watch="${esc(r.id)}" data-testid="watch-${esc(r.name)}" title="${esc(t('watchTitle'))}">${esc(t('watch'))}</button></span>`;
      return `<li data-room-name="${esc(r.name)}"><div><div class="name">${esc(title)}</div><div class="sub">${esc(r.name)} · ${r.memberCount}/${r.maxMembers} · ${esc(r.kind === 'ROOM_KIND_GROUP' ? t('roomKindGroup') : r.kind === 'ROOM_KIND_CALL' ? t('roomKindCall') : short(r.kind, 'ROOM_KIND_'))}</div></div>${action}</li>`;
    })
    .join('');
}

export function roomTabs(rooms: RoomSnapshot[], current: string | undefined): string {
  return rooms
    .map((r) => `<button class="small ${r.room.id === current ? 'active' : ''}" data-show="${esc(r.room.id)}">${esc(roomTitle(r))}</button>`)
    .join('');
}

export function roomMeta(r: RoomSnapshot): string {
  const seats = r.members.filter((m) => m.role !== 'MEMBER_ROLE_AUDIENCE').length;
  const you = r.self.role === 'MEMBER_ROLE_AUDIENCE' ? ` ${esc(t('youWatchFromAudience'))}` : '';
  const audience = `<span data-testid="audience-count">${r.room.audienceCount}</span> ${esc(t('inTheAudience'))}`;
  return `${esc(r.room.name)} · ${esc(r.room.id)} · ${esc(t('seatsMeta', { count: seats, max: r.room.maxMembers }))} · ${audience}${you} · seq ${r.seq}`;
}

export function memberRows(r: RoomSnapshot): string {
  return r.members
    .map((m) => {
      const mine = m.memberId === r.self.memberId;
      const state = memberState(m);
      // Your push URL is shown once, above the table.
      const url = mine ? undefined : playUrlOf(r.playUrls[m.memberId]);
      const urlCell = mine
        ? `<span class="none">${esc(t(r.pushUrl ? 'youPushAbove' : 'noPushUrl'))}</span>`
        : url ? `<code>${esc(url)}</code>` : `<span class="none">${esc(t(state === 'publishing' ? 'noPlayUrl' : 'notPublishing'))}</span>`;
      return `<tr data-identity="${esc(m.identity)}" data-state="${state}">
        <td><strong>${esc(m.displayName || m.identity)}</strong>${mine ? `<span class="you">${esc(t('youTag'))}</span>` : ''}${m.role === 'MEMBER_ROLE_AUDIENCE' ? `<span class="you">${esc(t('audienceTag'))}</span>` : ''}<div class="meta">${esc(m.identity)}</div></td>
        <td><span class="badge badge-${state}" data-testid="state-${esc(m.identity)}">${esc(memberStateLabel(state))}</span></td>
        <td><code>${esc(m.streamId)}</code></td>
        <td class="url">${url ? `<span class="hint">${esc(t('play'))} </span>` : ''}${urlCell}</td>
      </tr>`;
    })
    .join('');
}

const memberStateKey: Record<ReturnType<typeof memberState>, UiKey> = {
  interrupted: 'memberInterrupted',
  publishing: 'memberPublishing',
  joined: 'memberJoinedState',
  left: 'memberLeftState',
};

/** A member's state for its badge, in the console's language. */
export const memberStateLabel = (state: ReturnType<typeof memberState>) => t(memberStateKey[state]);

/** The console is a browser: the WebRTC URL where the deployment gives one (see describeWebRtcUnavailable). */
export const playUrlOf = (u: PlayUrl | undefined) => u?.webrtcUrl || u?.rtcUrl || u?.rtmpUrl || '';

export function callBlock(call: Call, me: string): string {
  const state = short(call.state, 'CALL_STATE_');
  const outgoing = call.callerIdentity === me;
  const other = outgoing ? call.calleeIdentity : call.callerIdentity;
  const beforeAnswer = call.state === 'CALL_STATE_DIALING' || call.state === 'CALL_STATE_RINGING';
  const buttons = [
    outgoing && beforeAnswer ? `<button class="small quiet" data-cancel="${esc(call.id)}">${esc(t('cancel'))}</button>` : '',
    call.state === 'CALL_STATE_ACTIVE' ? `<button class="small danger" data-hangup="${esc(call.id)}" data-testid="hang-up">${esc(t('hangUp'))}</button>` : '',
    `<button class="small quiet" data-show="${esc(call.roomId)}">${esc(t('showRoom'))}</button>`,
  ].join('');
  const hint = outgoing && call.state === 'CALL_STATE_DIALING' ? `<div class="hint">${esc(t('calleeToldOnPush'))}</div>` : '';
  return `<div class="call" data-call="${esc(call.id)}" data-testid="call-${esc(other)}">
    <div>${esc(t(outgoing ? 'callTo' : 'callFrom'))} <strong>${esc(other)}</strong> <span class="badge badge-${state}" data-testid="call-state">${esc(callStateLabel(call.state))}</span></div>
    ${hint}<div class="actions">${buttons}</div></div>`;
}

export function incomingBlock(call: Call, callerPlayUrl: PlayUrl | undefined): string {
  const [before, after] = t('callerIsCalling', { caller: '\u0000' }).split('\u0000');
  return `<div>${esc(before)}<strong>${esc(call.callerIdentity)}</strong>${esc(after)}</div>
    ${callerPlayUrl ? `<div class="hint">${esc(t('theirStreamSigned'))} <code>${esc(playUrlOf(callerPlayUrl))}</code></div>` : ''}
    <div class="actions">
      <button data-accept="${esc(call.id)}" data-testid="accept-call">${esc(t('accept'))}</button>
      <button class="danger" data-reject="${esc(call.id)}">${esc(t('reject'))}</button>
    </div>`;
}

type Logged = { [K in keyof RtcRoomEvents]: [K, RtcRoomEvents[K]] }[keyof RtcRoomEvents];

/** One log line per event worth telling a person about, with its severity; null for the rest. */
export function describeEvent([name, e]: Logged, roomName: (roomId: string) => string): { text: string; level: 'info' | 'warning' | 'error' } | null {
  const info = (text: string) => ({ text, level: 'info' as const });
  const who = (m: Member) => m.displayName || m.identity;
  switch (name) {
    case 'connectionState':
      if (e.state === 'reconnecting') return { text: `connection lost (${e.reason ?? ''}); reconnect attempt ${e.attempt} in ${e.delayMs} ms`, level: 'warning' };
      return { text: `connection ${e.state}${e.error ? `: ${e.error.message}` : ''}`, level: e.state === 'disconnected' ? 'error' : 'info' };
    case 'session':
      return info(e.resumed ? `session ${e.sessionId} resumed; ${e.seats.length} seat(s) kept` : `signed in as ${e.identity} (session ${e.sessionId})`);
    case 'memberJoined':
      return info(`${who(e.member)} joined ${roomName(e.roomId)} (seq ${e.seq})`);
    case 'memberLeft':
      return info(`${who(e.member)} left ${roomName(e.roomId)}: ${short(e.reason, 'LEAVE_REASON_')}${e.reasonText ? ` (${e.reasonText})` : ''} (seq ${e.seq})`);
    case 'memberConnection':
      return { text: `${who(e.member)} ${e.connected ? 'is back' : 'is interrupted (keeps the seat for now)'} in ${roomName(e.roomId)} (seq ${e.seq})`, level: e.connected ? 'info' : 'warning' };
    case 'memberUpdated':
      return info(`${who(e.member)} updated their profile (seq ${e.seq})`);
    case 'streamReady':
      return info(`${who(e.member)}'s stream began in ${roomName(e.roomId)}${e.playUrl ? '; play URL issued to you' : ''} (seq ${e.seq})`);
    case 'streamStopped':
      return info(`${who(e.member)}'s stream stopped (seq ${e.seq})`);
    case 'roomUpdated':
      return info(`${roomName(e.roomId)} updated (seq ${e.seq})`);
    case 'roomClosed':
      return { text: `${roomName(e.roomId)} closed: ${short(e.reason, 'CLOSE_REASON_')}`, level: 'warning' };
    case 'recordingReady':
      return info(`recording of ${e.recording.identity}'s stream ready in ${roomName(e.roomId)}: ${e.recording.format}, ${e.recording.sizeBytes} bytes${e.recording.url ? ` at ${e.recording.url}` : ''}`);
    case 'message':
      return info(`${e.self ? 'you' : e.message.senderIdentity || 'system'} wrote in ${roomName(e.roomId)}${e.message.recipients.length ? ` to ${e.message.recipients.join(', ')}` : ''} (seq ${e.seq})`);
    case 'memberMedia': {
      const track = (t: { on: boolean; muteRequested: boolean; forbidden: boolean } | undefined) => `${t?.on ? 'on' : 'off'}${t?.muteRequested ? ' (asked off)' : ''}${t?.forbidden ? ' (forbidden)' : ''}`;
      return info(`${who(e.member)}: microphone ${track(e.member.media?.audio)}, camera ${track(e.member.media?.video)} in ${roomName(e.roomId)} (seq ${e.seq})`);
    }
    case 'muteRequested':
      return { text: `${e.by || 'the host'} asks you to turn your ${[e.audio && 'microphone', e.video && 'camera'].filter(Boolean).join(' and ')} off in ${roomName(e.roomId)}`, level: 'warning' };
    case 'audience':
      return info(`${e.audienceCount} in the audience of ${roomName(e.roomId)} (seq ${e.seq})`);
    case 'seatRequest':
      return { text: e.invited ? `${e.self ? 'you are' : `${who(e.member)} is`} offered a seat in ${roomName(e.roomId)} by ${e.byIdentity} (seq ${e.seq})` : `${who(e.member)} asks for a seat in ${roomName(e.roomId)} (seq ${e.seq})`, level: 'warning' };
    case 'memberRole':
      return info(`${e.self ? 'you' : who(e.member)} ${e.member.role === 'MEMBER_ROLE_AUDIENCE' ? 'went back to the audience' : 'took a seat'} in ${roomName(e.roomId)} (seq ${e.seq})`);
    case 'resync':
      return { text: `${roomName(e.roomId)} re-read from a snapshot at seq ${e.seq}`, level: 'warning' };
    case 'seatLost':
      return { text: `seat in ${roomName(e.roomId)} lost: ${e.reason.toLowerCase().replace(/_/g, ' ')}`, level: 'error' };
    case 'pushUrl':
      return info(`fresh push URL for ${roomName(e.roomId)}`);
    case 'incomingCall':
      return { text: `incoming call from ${e.call.callerIdentity}`, level: 'warning' };
    case 'callUpdated':
      return e.call.state === 'CALL_STATE_ENDED' ? null : info(`call ${e.call.callerIdentity} → ${e.call.calleeIdentity}: ${short(e.call.state, 'CALL_STATE_')}`);
    case 'callEnded':
      return info(`call ${e.call.callerIdentity} → ${e.call.calleeIdentity} ended: ${short(e.reason, 'CALL_END_REASON_')}${e.call.endedBy ? ` by ${e.call.endedBy}` : ''}`);
    case 'callQueued':
      return info(`your call waits in line: position ${e.position}, about ${e.estimatedWaitSeconds} s`);
    case 'callConnecting':
      return info('connecting you to an agent');
    case 'offerWithdrawn':
      return { text: `the call from ${e.call.callerIdentity} no longer rings you`, level: 'warning' };
    case 'whisper':
      return { text: `${e.supervisor} whispers to you in the call with ${e.call.callerIdentity} (the customer does not hear it)`, level: 'warning' };
    case 'callInvitation':
      return { text: `invited into ${e.call.callerIdentity}'s call`, level: 'warning' };
    case 'pusherState':
      return { text: `pusher ${e.code} (${e.meaning})${e.action ? ` → ${e.action}` : ''}${e.error ? `: ${e.error.message}` : ''}`, level: e.error ? 'error' : e.severity };
    case 'playerState':
      return { text: `player ${e.code} (${e.meaning})`, level: e.severity };
    case 'error':
      return { text: e.message, level: 'error' };
    case 'tokenExpiring':
      return e.willRefresh ? null : { text: `the pasted access token expires at ${new Date(e.expireTime).toLocaleTimeString()}: sign in again with a fresh one`, level: 'warning' };
    case 'tokenRefreshed':
      return info(`access token refreshed; good until ${new Date(e.expireTime).toLocaleTimeString()}`);
    case 'tokenExpired':
      return { text: `the access token expired${e.willReconnect ? '; reconnecting with a fresh one' : ''}`, level: e.willReconnect ? 'warning' : 'error' };
    default:
      return null;
  }
}

// The web console: sign in with a development token (or a pasted one, e.g. an agent's), list and
// create rooms, join them and watch their members and streams change live, place and answer 1:1
// calls, work a service-desk team's calls at the agent desk (desk.ts), supervise its teams' live calls
// (supervise.ts), and read every event in a log.
// All of it goes through @rtcroom/sdk, as an app would; a browser cannot push RTMP, so the "Push
// began" button reports what <live-pusher> reports as 1002. Its words are in zh-CN or en (i18n.ts).
import { describeWebRtcUnavailable, handlePusherStateChange, RtcRoomClient, RtcRoomError, webStorageResumeStore } from '@rtcroom/sdk';
import type { Call, ConnectionState, PlayUrl, Room, RoomSnapshot, RtcRoomEvents, UiKey } from '@rtcroom/sdk';
import { ChatLog, wireChat } from './chat.js';
import { AgentDesk, wireDesk } from './desk.js';
import { ConsoleMedia } from './media/tiles.js';
import { describeError, runAction, status, submitButton } from './feedback.js';
import { currentLocale, onLocaleChange, t, wireLanguageSwitch } from './i18n.js';
import { SupervisorPanel, wireSupervise } from './supervise.js';
import { agentTeamsOf, devToken, supervisorTeamsOf } from './tokens.js';
import { WhisperHeard } from './whisper-heard.js';
import { callBlock, describeEvent, esc, incomingBlock, memberRows, roomMeta, roomRows, roomTabs, roomTitle } from './render.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let client: RtcRoomClient | undefined;
let desk: AgentDesk | undefined;
let supervise: SupervisorPanel | undefined;
let whisper: WhisperHeard | undefined;
let chat: ChatLog | undefined;
let media: ConsoleMedia | undefined;
let listedRooms: Room[] = [];
let current: string | undefined;
let incoming: { call: Call; callerPlayUrl?: PlayUrl } | undefined;
const roomNames = new Map<string, string>();

const loggedEvents: (keyof RtcRoomEvents)[] = [
  'connectionState', 'session', 'memberJoined', 'memberLeft', 'memberConnection', 'memberUpdated', 'streamReady', 'streamStopped',
  'roomUpdated', 'roomClosed', 'recordingReady', 'message', 'memberMedia', 'muteRequested', 'resync', 'seatLost', 'pushUrl', 'incomingCall', 'whisper', 'callUpdated', 'callEnded', 'pusherState',
  'playerState', 'error', 'callQueued', 'callConnecting', 'offerWithdrawn', 'callInvitation', 'tokenExpiring', 'tokenRefreshed', 'tokenExpired',
  'audience', 'seatRequest', 'memberRole',
];
// Events after which the room, the calls or the room list look different.
const redrawOn: (keyof RtcRoomEvents)[] = [
  'memberJoined', 'memberLeft', 'memberConnection', 'memberUpdated', 'streamReady', 'streamStopped', 'roomUpdated', 'roomClosed', 'resync',
  'seatLost', 'pushUrl', 'callUpdated', 'callEnded', 'incomingCall', 'session', 'whisper', 'monitorUpdate', 'offerWithdrawn', 'callInvitation', 'message', 'memberMedia',
  'audience', 'seatRequest', 'memberRole', 'streamPlayable',
];

function log(text: string, level: 'info' | 'warning' | 'error' = 'info'): void {
  const li = document.createElement('li');
  li.className = level;
  li.innerHTML = `<time>${new Date().toLocaleTimeString()}</time>${esc(text)}`;
  $('log').prepend(li);
}

function roomName(roomId: string): string {
  return roomNames.get(roomId) ?? roomId;
}

/**
 * What the sign-in form was given, kept in the tab (sessionStorage, as the SDK keeps the session) so
 * that a reload signs in again at once, resumes the session and takes the seats back: an agent who
 * reloads mid-call is back in the call (the customer sees it dropped and back), with its desk open,
 * and a supervisor is back monitoring the call it monitored.
 * Signing out forgets it.
 */
interface SignedIn {
  identity: string;
  displayName: string;
  accessToken: string;
  agentOf: string;
  supervisorOf: string;
  /** The desk's team, once opened. */
  team?: string;
  /** The call the supervisor panel monitors. */
  monitoring?: string;
}
const signedInKey = 'rtcroom.console.signIn';

function remembered(): SignedIn | undefined {
  try {
    const kept = JSON.parse(sessionStorage.getItem(signedInKey) ?? 'null') as SignedIn | null;
    return kept && typeof kept.identity === 'string' && typeof kept.accessToken === 'string' ? kept : undefined;
  } catch {
    return undefined;
  }
}

function remember(kept: SignedIn | undefined): void {
  try {
    if (kept) sessionStorage.setItem(signedInKey, JSON.stringify(kept));
    else sessionStorage.removeItem(signedInKey);
  } catch {
    // Storage refused (private mode, full): a reload shows the sign-in form.
  }
}

async function signIn(identity: string, displayName: string, accessToken: string, agentOf: string, supervisorOf: string): Promise<void> {
  const teams = (list: string) => list.split(',').map((t) => t.trim()).filter(Boolean);
  const devAgentTeams = teams(agentOf);
  const supervisorTeams = accessToken ? supervisorTeamsOf(accessToken) : teams(supervisorOf);
  if (!identity && !accessToken) throw new Error(t('giveIdentity'));
  // An agent's console is a browser: its URLs are WebRTC ones where the deployment has them.
  const c = new RtcRoomClient({ kind: 'CLIENT_KIND_BROWSER', locale: currentLocale(), resumeStore: webStorageResumeStore() });
  // The desk keeps its own state from the SDK's events before the redraws below see it.
  desk = new AgentDesk(c, { act, log, entered, tiles: (container, room) => media?.render(container, room), teamOpened: rememberTeam });
  chat = new ChatLog(c);
  media = new ConsoleMedia(c, () => draw());
  whisper = new WhisperHeard(c, () => media);
  for (const name of loggedEvents) {
    c.on(name, (e) => {
      const line = describeEvent([name, e] as never, roomName);
      if (line) log(line.text, line.level);
    });
  }
  // What the console keeps itself is updated first; the redraws registered after it see it.
  c.on('incomingCall', (e) => {
    if (!e.call.teamId) incoming = e; // offers of a team's calls ring at the agent desk
  });
  c.on('callEnded', (e) => {
    if (incoming?.call.id === e.call.id) incoming = undefined;
  });
  // Reloaded: back into the rooms the resumed session sits in, and the calls this tab was in (the
  // other side waits); each once, a call's room being told as both.
  const rejoining = new Set<string>();
  const rejoin = (roomId: string, what: string, join: () => Promise<RoomSnapshot>) => {
    if (rejoining.has(roomId) || c.room(roomId)) return;
    rejoining.add(roomId);
    act(what, async () => entered(await join()));
  };
  c.on('callToRejoin', ({ call }) => rejoin(call.roomId, t('actRejoinCall'), async () => (await c.rejoinCall(call.id)).room));
  c.on('roomToRejoin', ({ roomId, as }) => rejoin(roomId, t(as === 'audience' ? 'actWatch' : 'actJoin'), () => c.joinRoom({ roomId, as })));
  c.on('connectionState', (e) => drawConnection(e.state));
  // A busy gateway holds the connection in line for its welcome: the badge says where it stands.
  c.on('connectionWaiting', ({ position, expectedWaitMs }) => drawConnection(connectionShown, { position, seconds: Math.ceil(expectedWaitMs / 1000) }));
  for (const name of redrawOn) c.on(name, () => draw());
  c.on('roomClosed', () => void refreshRooms());
  c.on('memberJoined', () => void refreshRooms());
  c.on('memberLeft', () => void refreshRooms());
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  await c.connect(`${scheme}://${location.host}/v1/ws`, accessToken || devToken(identity, displayName, devAgentTeams, supervisorTeams));
  client = c;
  const { team, monitoring } = remembered() ?? {};
  remember({ identity, displayName, accessToken, agentOf, supervisorOf, team, monitoring });
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  $('whoami').textContent = displayName ? `${displayName} (${c.identity})` : c.identity;
  if (supervisorTeams.length > 0) supervise = new SupervisorPanel(c, supervisorTeams, { act, log, entered, media: () => media, monitoring: rememberMonitoring }, monitoring);
  $('desk-teams').innerHTML = (accessToken ? agentTeamsOf(accessToken) : devAgentTeams).map((t) => `<option value="${esc(t)}"></option>`).join('');
  await refreshRooms();
  if (team) desk.open(team, null);
  draw();
}

/** Lists the open rooms again (after changes, quietly: a failure goes to the log). */
async function refreshRooms(): Promise<void> {
  await listRooms().catch((err) => log(`could not list rooms: ${describeError(err)}`, 'error'));
}

async function listRooms(): Promise<string> {
  if (!client) return t('signedOut');
  try {
    const { rooms } = await client.listRooms({ pageSize: 50 });
    listedRooms = rooms.filter((r) => r.state === 'ROOM_STATE_OPEN');
    for (const r of rooms) roomNames.set(r.id, r.displayName || r.name);
    return listedRooms.length === 1 ? t('openRoom') : t('openRooms', { count: listedRooms.length });
  } finally {
    draw();
  }
}

/** The signed-in client; signed out, nothing acts: the sign-in form says to sign in first. */
function signedIn(): RtcRoomClient | undefined {
  if (client) return client;
  $('sign-in-error').textContent = t('signInFirstLong');
  status(t('signInFirst'), 'error');
  $('identity').focus();
  return undefined;
}

const connectionWords: Record<ConnectionState | 'signed-out', UiKey> = {
  'signed-out': 'signedOut',
  idle: 'stateIdle',
  connecting: 'stateConnecting',
  connected: 'stateConnected',
  reconnecting: 'stateReconnecting',
  disconnected: 'stateDisconnected',
};
let connectionShown: ConnectionState | 'signed-out' = 'signed-out';

function drawConnection(state: ConnectionState | 'signed-out' = connectionShown, inLine?: { position: number; seconds: number }): void {
  connectionShown = state;
  const el = $('connection');
  const waiting = inLine && (state === 'connecting' || state === 'reconnecting');
  el.textContent = waiting ? t('stateInLine', inLine) : t(connectionWords[state]);
  el.dataset.state = state;
  el.className = `badge badge-${state === 'signed-out' ? 'idle' : state}`;
}

function draw(): void {
  if (!client) return;
  const joined = client.joinedRooms();
  for (const r of joined) roomNames.set(r.room.id, roomTitle(r));
  if (current && !joined.some((r) => r.room.id === current)) current = undefined;
  current = current ?? joined[0]?.room.id;
  $('room-list').innerHTML = roomRows(listedRooms, new Set(joined.map((r) => r.room.id)));
  $('room-tabs').innerHTML = joined.length > 1 ? roomTabs(joined, current) : '';
  const room = current ? client.room(current) : undefined;
  media?.prune(new Set(joined.map((r) => r.room.id)));
  media?.render($('room-tiles'), room);
  $('room-empty').hidden = !!room;
  $('room-detail').hidden = !room;
  if (room) {
    $('room-title-text').textContent = roomTitle(room);
    $('room-meta').innerHTML = roomMeta(room);
    // The WebRTC URL where the deployment has one; else the RTMP one, titled with why.
    $('push-url').textContent = room.pushUrl?.webrtcUrl || room.pushUrl?.url || '';
    $('push-url').title = describeWebRtcUnavailable(room.pushUrl?.webrtcUnavailable ?? '', currentLocale());
    $('member-rows').innerHTML = memberRows(room);
    $('chat-lines').innerHTML = chat?.render(room.room.id, client.identity) ?? '';
  }
  const me = client.identity;
  $('calls').innerHTML = client
    .activeCalls()
    .filter((c) => !c.teamId && !(incoming && c.id === incoming.call.id && c.state === 'CALL_STATE_RINGING'))
    .map((c) => callBlock(c, me))
    .join('');
  const ringing = incoming && client.call(incoming.call.id)?.state === 'CALL_STATE_RINGING' ? incoming : undefined;
  $('incoming').hidden = !ringing;
  $('incoming').innerHTML = ringing ? incomingBlock(ringing.call, ringing.callerPlayUrl) : '';
  desk?.draw();
  supervise?.draw();
  whisper?.draw();
}

/**
 * A seat of one's own was taken (a join, a call placed or answered): shown, and logged as others'
 * joins are (the SDK tells only of others: one's own join is its answer).
 */
function entered(r: RoomSnapshot): string {
  roomNames.set(r.room.id, roomTitle(r));
  current = r.room.id;
  log(`you joined ${roomTitle(r)} (seq ${r.seq})`);
  const text = t('youJoined', { room: roomTitle(r), seq: r.seq });
  chat?.loadHistory(r.room.id).then(draw, (err) => log(`could not read the room's messages: ${describeError(err)}`, 'error'));
  draw();
  return text;
}

/** Runs a click's action with visible feedback (feedback.ts), then redraws. */
function act(what: string, action: () => Promise<unknown>, button?: HTMLButtonElement | null, loggedAlready = false): void {
  runAction(what, action, { button, log, loggedAlready, after: draw });
}

const roomActions = ['join', 'watch', 'show', 'accept', 'reject', 'cancel', 'hangup', 'mediaPublish', 'mediaAudio', 'mediaVideo', 'mediaStop'];

function onClick(e: MouseEvent): void {
  const target = (e.target as HTMLElement).closest('button');
  if (!target || !roomActions.some((a) => a in target.dataset)) return;
  const c = signedIn();
  if (!c) return;
  const d = target.dataset;
  if (d.join) act(t('actJoin'), async () => {
    const joined = entered(await c.joinRoom({ roomId: d.join }));
    await refreshRooms();
    return joined;
  }, target);
  else if (d.watch) act(t('actWatch'), async () => {
    const joined = entered(await c.joinRoom({ roomId: d.watch, as: 'audience' }));
    await refreshRooms();
    return joined;
  }, target);
  else if (d.show) {
    current = d.show;
    draw();
    status(t('showing', { room: roomName(d.show) }));
  } else if (d.accept) act(t('actAccept'), async () => {
    const { room } = await c.answerCall(d.accept!, true);
    incoming = undefined;
    return room ? entered(room) : t('callAccepted');
  }, target);
  else if (d.reject) act(t('actReject'), async () => {
    await c.rejectCall(d.reject!);
    incoming = undefined;
    return t('callRejected');
  }, target);
  else if (d.cancel) act(t('actCancel'), () => c.cancelCall(d.cancel!).then(() => t('callCancelledStatus')), target);
  else if (d.hangup) act(t('actHangUp'), () => c.hangUp(d.hangup!).then(() => t('hungUp')), target);
  else if (d.mediaPublish) act(t('actPublish'), () => media!.publish(d.mediaPublish!), target);
  else if (d.mediaAudio) act(t('actMicrophone'), () => media!.toggle(d.mediaAudio!, 'audio'), target);
  else if (d.mediaVideo) act(t('actCamera'), () => media!.toggle(d.mediaVideo!, 'video'), target);
  else if (d.mediaStop) act(t('actStopPublishing'), () => media!.stopPublishing(d.mediaStop!), target);
}

function pusher(code: number, button: HTMLButtonElement): void {
  const c = signedIn();
  const roomId = current;
  if (!c) return;
  if (!roomId) return status(t('joinRoomFirst'), 'error');
  // Exactly what a mini-program page does with <live-pusher bindstatechange>.
  act(t('actPusher', { code }), async () => {
    const result = await handlePusherStateChange(c, roomId, { detail: { code } });
    if (result.error) throw result.error; // in the log already, as the pusherState line
    return `${t('pusherReported', { code })}${result.action ? `: ${result.action}` : ''}`;
  }, button, true);
}

/** A button's click, handled only when signed in. */
function onButton(id: string, handler: (c: RtcRoomClient, button: HTMLButtonElement) => void): void {
  $<HTMLButtonElement>(id).addEventListener('click', () => {
    const c = signedIn();
    if (c) handler(c, $<HTMLButtonElement>(id));
  });
}

/** A form's submit, handled only when signed in, with the button that submitted it. */
function onSubmit(id: string, handler: (c: RtcRoomClient, button: HTMLButtonElement | null) => void): void {
  $(id).addEventListener('submit', (e) => {
    e.preventDefault();
    const c = signedIn();
    if (c) handler(c, submitButton(e));
  });
}

function wireSignIn(): void {
  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const button = submitButton(e);
    $('sign-in-error').textContent = '';
    const field = (id: string) => $<HTMLInputElement>(id).value.trim();
    if (button) {
      button.disabled = true;
      button.dataset.state = 'busy';
    }
    status(t('signingIn'), 'busy');
    signIn(field('identity'), field('display-name'), field('access-token'), field('agent-of'), field('supervisor-of'))
      .then(() => status(t('signedInStatus', { identity: client?.identity ?? '' })))
      .catch((err) => {
        const text = err instanceof RtcRoomError ? describeError(err) : String(err instanceof Error ? err.message : err);
        $('sign-in-error').textContent = text;
        status(t('signInFailed', { error: text }), 'error');
        if (button) button.dataset.state = 'failed';
      })
      .finally(() => {
        if (button) button.disabled = false;
        if (button?.dataset.state === 'busy') delete button.dataset.state;
      });
  });
  $('sign-out').addEventListener('click', () => {
    remember(undefined);
    desk?.stop();
    supervise?.stop();
    $<HTMLButtonElement>('sign-out').disabled = true;
    status(t('signingOut'), 'busy');
    void (client?.close() ?? Promise.resolve()).then(() => location.reload());
  });
}

function wire(): void {
  wireLanguageSwitch();
  drawConnection();
  onLocaleChange((locale) => {
    if (client) client.locale = locale;
    drawConnection();
    draw();
  });
  wireSignIn();
  onButton('refresh-rooms', (_c, button) => act(t('actListRooms'), listRooms, button));
  onSubmit('create-room-form', (c, button) => {
    const name = $<HTMLInputElement>('room-name').value.trim();
    const displayName = $<HTMLInputElement>('room-title').value.trim();
    const maxMembers = Number($<HTMLInputElement>('room-seats').value) || 0;
    act(t('actCreateRoom'), async () => {
      const room = await c.createRoom({ name, displayName, maxMembers });
      const joined = entered(await c.joinRoom({ roomId: room.id }));
      $<HTMLFormElement>('create-room-form').reset();
      await refreshRooms();
      return joined;
    }, button);
  });
  onButton('leave-room', (c, button) => {
    const roomId = current;
    if (!roomId) return status(t('noRoomToLeave'), 'error');
    act(t('actLeave'), async () => {
      await c.leaveRoom(roomId);
      log(`you left ${roomName(roomId)}`);
      const text = t('youLeft', { room: roomName(roomId) });
      current = undefined;
      await refreshRooms();
      return text;
    }, button);
  });
  onButton('push-began', (_c, button) => pusher(1002, button));
  onButton('push-lost', (_c, button) => pusher(-1307, button));
  onButton('push-refused', (_c, button) => pusher(3004, button));
  onSubmit('call-form', (c, button) => {
    const callee = $<HTMLInputElement>('callee').value.trim();
    act(t('actCall'), async () => entered((await c.placeCall(callee)).room), button);
  });
  onSubmit('team-call-form', (c, button) => {
    const team = $<HTMLInputElement>('team-to-call').value.trim();
    act(t('actCallTeam'), async () => entered((await c.callTeam(team)).room), button);
  });
  $('clear-log').addEventListener('click', () => {
    $('log').innerHTML = '';
    status(t('logCleared'));
  });
  wireDesk(() => (signedIn() ? desk : undefined));
  wireSupervise(() => (signedIn() ? supervise : undefined));
  wireChat({ client: signedIn, room: () => current, act });
  document.addEventListener('click', onClick);
  const params = new URLSearchParams(location.search);
  if (params.get('identity')) $<HTMLInputElement>('identity').value = params.get('identity')!;
  const kept = remembered();
  if (kept) {
    // Reloaded while signed in: signed in again, the session resumed (see SignedIn).
    status(t('signingInAgain'), 'busy');
    signIn(kept.identity, kept.displayName, kept.accessToken, kept.agentOf, kept.supervisorOf)
      .then(() => status(t('signedInStatus', { identity: client?.identity ?? '' })))
      .catch((err) => {
        remember(undefined);
        status(t('signInFailed', { error: describeError(err) }), 'error');
      });
  }
}

/** The desk's team, kept for a reload (see SignedIn). */
function rememberTeam(team: string): void {
  const kept = remembered();
  if (kept) remember({ ...kept, team });
}

/** The call the supervisor panel monitors, kept for a reload (see SignedIn). */
function rememberMonitoring(callId: string): void {
  const kept = remembered();
  if (kept) remember({ ...kept, monitoring: callId || undefined });
}

wire();

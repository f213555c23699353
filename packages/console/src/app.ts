// The web console: sign in with a development token (or a pasted one, e.g. an agent's), list and
// create rooms, join them and watch their members and streams change live, place and answer 1:1
// calls, work a service-desk team's calls at the agent desk (desk.ts), and read every event in a log.
// All of it goes through @rtcroom/sdk, as an app would; a browser cannot push RTMP, so the "Push
// began" button reports what <live-pusher> reports as 1002.
import { handlePusherStateChange, RtcRoomClient, RtcRoomError } from '@rtcroom/sdk';
import type { Call, PlayUrl, Room, RtcRoomEvents } from '@rtcroom/sdk';
import { AgentDesk, wireDesk } from './desk.js';
import { callBlock, describeEvent, esc, incomingBlock, memberRows, roomMeta, roomRows, roomTabs, roomTitle } from './render.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let client: RtcRoomClient | undefined;
let desk: AgentDesk | undefined;
let listedRooms: Room[] = [];
let current: string | undefined;
let incoming: { call: Call; callerPlayUrl?: PlayUrl } | undefined;
const roomNames = new Map<string, string>();

const loggedEvents: (keyof RtcRoomEvents)[] = [
  'connectionState', 'session', 'memberJoined', 'memberLeft', 'memberConnection', 'memberUpdated', 'streamReady', 'streamStopped',
  'roomUpdated', 'roomClosed', 'recordingReady', 'resync', 'seatLost', 'pushUrl', 'incomingCall', 'callUpdated', 'callEnded', 'pusherState',
  'playerState', 'error', 'callQueued', 'callConnecting', 'offerWithdrawn', 'callInvitation', 'tokenExpiring', 'tokenRefreshed', 'tokenExpired',
];
// Events after which the room, the calls or the room list look different.
const redrawOn: (keyof RtcRoomEvents)[] = [
  'memberJoined', 'memberLeft', 'memberConnection', 'memberUpdated', 'streamReady', 'streamStopped', 'roomUpdated', 'roomClosed', 'resync',
  'seatLost', 'pushUrl', 'callUpdated', 'callEnded', 'incomingCall', 'session', 'offerWithdrawn', 'callInvitation',
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

/** Asks the embedded default's /dev/token endpoint, again on every reconnect and before the token in use expires. */
function devToken(identity: string, displayName: string, agentTeams: string[]): () => Promise<string> {
  const name = displayName ? `&name=${encodeURIComponent(displayName)}` : '';
  const agent = agentTeams.length > 0 ? `&agent=${encodeURIComponent(agentTeams.join(','))}` : '';
  // list=1: the console is a lobby, so its development token may list rooms.
  const tokenUrl = `/dev/token?identity=${encodeURIComponent(identity)}${name}${agent}&list=1`;
  return async () => {
    const res = await fetch(tokenUrl);
    const body = await res.json();
    if (!res.ok) throw new RtcRoomError(body?.error?.code ?? 'UNAUTHENTICATED', body?.error?.message ?? `token endpoint answered ${res.status}`);
    return body.token as string;
  };
}

/** The teams a pasted token makes its holder an agent of (read, not verified: the gateway does that). */
function agentTeamsOf(token: string): string[] {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return Array.isArray(claims?.grants?.agentTeams) ? claims.grants.agentTeams.map(String) : [];
  } catch {
    return [];
  }
}

async function signIn(identity: string, displayName: string, accessToken: string, agentOf: string): Promise<void> {
  const devAgentTeams = agentOf.split(',').map((t) => t.trim()).filter(Boolean);
  if (!identity && !accessToken) throw new Error('give an identity, or paste an access token');
  const c = new RtcRoomClient();
  // The desk keeps its own state from the SDK's events before the redraws below see it.
  desk = new AgentDesk(c, { act, log, showRoom });
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
  c.on('connectionState', (e) => drawConnection(e.state));
  for (const name of redrawOn) c.on(name, () => draw());
  c.on('roomClosed', () => void refreshRooms());
  c.on('memberJoined', () => void refreshRooms());
  c.on('memberLeft', () => void refreshRooms());
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  await c.connect(`${scheme}://${location.host}/v1/ws`, accessToken || devToken(identity, displayName, devAgentTeams));
  client = c;
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  $('whoami').textContent = displayName ? `${displayName} (${c.identity})` : c.identity;
  $('desk-teams').innerHTML = (accessToken ? agentTeamsOf(accessToken) : devAgentTeams).map((t) => `<option value="${esc(t)}"></option>`).join('');
  await refreshRooms();
  draw();
}

async function refreshRooms(): Promise<void> {
  if (!client) return;
  try {
    const { rooms } = await client.listRooms({ pageSize: 50 });
    listedRooms = rooms.filter((r) => r.state === 'ROOM_STATE_OPEN');
    for (const r of rooms) roomNames.set(r.id, r.displayName || r.name);
  } catch (err) {
    log(`could not list rooms: ${(err as Error).message}`, 'error');
  }
  draw();
}

function drawConnection(state: string): void {
  const el = $('connection');
  el.textContent = state;
  el.className = `badge badge-${state}`;
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
  $('room-empty').hidden = !!room;
  $('room-detail').hidden = !room;
  if (room) {
    $('room-title-text').textContent = roomTitle(room);
    $('room-meta').innerHTML = roomMeta(room);
    $('push-url').textContent = room.pushUrl?.url ?? '';
    $('member-rows').innerHTML = memberRows(room);
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
}

function showRoom(roomId: string): void {
  current = roomId;
  draw();
}

/** Runs a button's action; failures go to the log with the server's code. */
function act(what: string, action: () => Promise<unknown>): void {
  action()
    .then(() => draw())
    .catch((err) => log(`${what} failed: ${err instanceof RtcRoomError ? `${err.code} ${err.message}` : String(err)}`, 'error'));
}

function onClick(e: MouseEvent): void {
  const target = (e.target as HTMLElement).closest('button');
  if (!target || !client) return;
  const c = client;
  const d = target.dataset;
  if (d.join) act('join', async () => {
    const r = await c.joinRoom({ roomId: d.join });
    current = r.room.id;
    await refreshRooms();
  });
  else if (d.show) {
    current = d.show;
    draw();
  } else if (d.accept) act('accept', async () => {
    const { room } = await c.answerCall(d.accept!, true);
    incoming = undefined;
    if (room) current = room.room.id;
  });
  else if (d.reject) act('reject', async () => {
    await c.rejectCall(d.reject!);
    incoming = undefined;
  });
  else if (d.cancel) act('cancel', () => c.cancelCall(d.cancel!));
  else if (d.hangup) act('hang up', () => c.hangUp(d.hangup!));
}

function pusher(code: number): void {
  const c = client;
  const roomId = current;
  if (!c || !roomId) return;
  // Exactly what a mini-program page does with <live-pusher bindstatechange>.
  act(`pusher ${code}`, () => handlePusherStateChange(c, roomId, { detail: { code } }));
}

function wire(): void {
  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('sign-in-error').textContent = '';
    const field = (id: string) => $<HTMLInputElement>(id).value.trim();
    signIn(field('identity'), field('display-name'), field('access-token'), field('agent-of')).catch((err) => {
      $('sign-in-error').textContent = err instanceof RtcRoomError ? `${err.code}: ${err.message}` : String(err);
    });
  });
  $('sign-out').addEventListener('click', () => {
    desk?.stop();
    void client?.close().then(() => location.reload());
  });
  $('refresh-rooms').addEventListener('click', () => void refreshRooms());
  $('create-room-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = client;
    if (!c) return;
    const name = $<HTMLInputElement>('room-name').value.trim();
    const displayName = $<HTMLInputElement>('room-title').value.trim();
    const maxMembers = Number($<HTMLInputElement>('room-seats').value) || 0;
    act('create room', async () => {
      const room = await c.createRoom({ name, displayName, maxMembers });
      const joined = await c.joinRoom({ roomId: room.id });
      current = joined.room.id;
      $<HTMLFormElement>('create-room-form').reset();
      await refreshRooms();
    });
  });
  $('leave-room').addEventListener('click', () => {
    const c = client;
    const roomId = current;
    if (!c || !roomId) return;
    act('leave', async () => {
      await c.leaveRoom(roomId);
      log(`you left ${roomName(roomId)}`);
      current = undefined;
      await refreshRooms();
    });
  });
  $('push-began').addEventListener('click', () => pusher(1002));
  $('push-lost').addEventListener('click', () => pusher(-1307));
  $('push-refused').addEventListener('click', () => pusher(3004));
  $('call-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = client;
    if (!c) return;
    const callee = $<HTMLInputElement>('callee').value.trim();
    act('call', async () => {
      const { room } = await c.placeCall(callee);
      current = room.room.id;
    });
  });
  $('team-call-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = client;
    if (!c) return;
    const team = $<HTMLInputElement>('team-to-call').value.trim();
    act('call team', async () => {
      const { room } = await c.callTeam(team);
      current = room.room.id;
    });
  });
  $('clear-log').addEventListener('click', () => ($('log').innerHTML = ''));
  wireDesk(() => (client ? desk : undefined));
  document.addEventListener('click', onClick);
  const params = new URLSearchParams(location.search);
  if (params.get('identity')) $<HTMLInputElement>('identity').value = params.get('identity')!;
}

wire();

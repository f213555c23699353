// The client against a scripted stand-in of the gateway (an in-memory socket adapter): reconnects
// with the resume token, syncs each seat after a resume, fills gaps, gives up on a dead heartbeat,
// and refuses to loop on a bad token. The real gateway is in test/*.integration.test.ts.
import { connectedClient, fakeGateway, FakeSocket, lastRequest, member, until, welcome } from '../test/fake-gateway';
import { RtcRoomClient } from './client';
import { RtcRoomError } from './errors';

async function joined(client: RtcRoomClient, socket: FakeSocket, seq = 3) {
  const joining = client.joinRoom({ roomId: 'r_1' });
  await until(() => !!lastRequest(socket, 'joinRoom'));
  const req = lastRequest(socket, 'joinRoom')!;
  socket.push({ requestId: req.requestId, joinRoom: { room: { id: 'r_1', name: 'demo', maxMembers: 6 }, member: member('m_a', 'alice'), members: [member('m_a', 'alice')], pushUrl: { url: 'rtmp://x/live/st_m_a', streamId: 'st_m_a' }, seq } });
  return joining;
}

describe('RtcRoomClient against a scripted gateway', () => {
  it('connects with the access token and reports connecting -> connected', async () => {
    const gw = fakeGateway();
    const client = new RtcRoomClient({ socket: gw.adapter });
    const states: string[] = [];
    client.on('connectionState', (e) => states.push(e.state));
    const opened = gw.nextSocket();
    const connecting = client.connect('ws://gw/v1/ws', async () => 'tok en');
    (await opened).push(welcome());
    await expect(connecting).resolves.toMatchObject({ identity: 'alice' });
    expect(gw.sockets[0].url).toBe('ws://gw/v1/ws?access_token=tok%20en');
    expect(states).toEqual(['connecting', 'connected']);
    await client.close();
    expect(gw.sockets[0].closed?.code).toBe(1000);
  });

  it('tells the gateway its kind when it is a browser, on every socket', async () => {
    const gw = fakeGateway();
    const client = new RtcRoomClient({ socket: gw.adapter, kind: 'CLIENT_KIND_BROWSER' });
    const opened = gw.nextSocket();
    const connecting = client.connect('ws://gw/v1/ws', 'tok');
    (await opened).push(welcome());
    await connecting;
    expect(gw.sockets[0].url).toBe('ws://gw/v1/ws?access_token=tok&client_kind=CLIENT_KIND_BROWSER');
    await client.close();
  });

  it('a refused token rejects connect with the server\'s code and does not retry', async () => {
    const gw = fakeGateway();
    const client = new RtcRoomClient({ socket: gw.adapter });
    const opened = gw.nextSocket();
    const connecting = client.connect('ws://gw/v1/ws', 'bad');
    const s = await opened;
    s.push({ error: { code: 'TOKEN_EXPIRED', message: 'expired' } });
    s.on.close(4001, 'TOKEN_EXPIRED');
    await expect(connecting).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(client.state).toBe('disconnected');
    await new Promise((r) => setTimeout(r, 50));
    expect(gw.sockets).toHaveLength(1);
  });

  it('a join of a room it sits in, answered with the room as read before notices it has: the newer view stands', async () => {
    const { client, socket } = await connectedClient();
    await joined(client, socket, 3);
    socket.push({ notice: { roomId: 'r_1', seq: 4, memberJoined: { member: member('m_b', 'bob') } } });
    await until(() => client.room('r_1')?.members.length === 2);
    // The seat taken back: its answer is the room at seq 3, before Bob came.
    await joined(client, socket, 3);
    expect(client.room('r_1')?.members.map((m) => m.identity)).toEqual(['alice', 'bob']);
    await client.close();
  });

  it('a dropped socket: reconnects with the resume token after a back-off, then syncs each seat from the last seq seen', async () => {
    const { gw, client, socket } = await connectedClient();
    await joined(client, socket, 3);
    socket.push({ notice: { roomId: 'r_1', seq: 4, memberJoined: { member: member('m_b', 'bob') } } });
    const states: string[] = [];
    client.on('connectionState', (e) => states.push(e.state));
    const next = gw.nextSocket();
    socket.on.close(1006, '');
    const again = await next;
    expect(again.url).toContain('resume_token=rt-1');
    again.push(welcome({ resumed: true, seats: [{ roomId: 'r_1', memberId: 'm_a', seq: 6 }] }));
    await until(() => !!lastRequest(again, 'syncRoom'));
    const sync = lastRequest(again, 'syncRoom')!;
    expect(sync.syncRoom).toEqual({ roomId: 'r_1', afterSeq: 4 });
    const left: number[] = [];
    client.on('memberLeft', (e) => left.push(e.seq));
    client.on('streamReady', (e) => left.push(e.seq));
    again.push({
      requestId: sync.requestId,
      syncRoom: {
        room: { id: 'r_1' },
        seq: 6,
        notices: [
          { roomId: 'r_1', seq: 5, streamStarted: { member: { ...member('m_b', 'bob'), state: 'MEMBER_STATE_PUBLISHING' }, playUrl: { rtcUrl: 'rtmp://play', streamId: 'st_m_b' } } },
          { roomId: 'r_1', seq: 6, memberLeft: { member: member('m_b', 'bob'), reason: 'LEAVE_REASON_LEFT' } },
        ],
      },
    });
    await until(() => left.length === 2);
    expect(left).toEqual([5, 6]);
    expect(states).toEqual(['reconnecting', 'connected']);
    expect(client.members('r_1').map((m) => m.identity)).toEqual(['alice']);
    await client.close();
  });

  it("a browser's play URL that waited for the media bridge arrives as streamPlayable and replaces the empty one", async () => {
    const { client, socket } = await connectedClient();
    await joined(client, socket, 3);
    const bob = { ...member('m_b', 'bob'), streamId: 'st_m_b', state: 'MEMBER_STATE_PUBLISHING' };
    const ready: string[] = [];
    client.on('streamReady', (e) => ready.push(e.playUrl?.webrtcUnavailable ?? ''));
    const playable: string[] = [];
    client.on('streamPlayable', (e) => playable.push(`${e.member.identity} ${e.playUrl.webrtcUrl}`));
    socket.push({ notice: { roomId: 'r_1', seq: 4, streamStarted: { member: bob, playUrl: { streamId: 'st_m_b', viewerIdentity: 'alice', webrtcUnavailable: 'WEBRTC_STARTING' } } } });
    await until(() => ready.length === 1);
    expect(client.room('r_1')!.playUrls.m_b).toMatchObject({ webrtcUrl: '', webrtcUnavailable: 'WEBRTC_STARTING' });
    // Another stream's (or another room's) is not taken for it.
    socket.push({ streamPlayable: { roomId: 'r_2', playUrl: { streamId: 'st_m_b', webrtcUrl: 'janus+http://j/janus?token=x' } } });
    socket.push({ streamPlayable: { roomId: 'r_1', playUrl: { streamId: 'st_m_b', viewerIdentity: 'alice', webrtcUrl: 'janus+http://j/janus?token=t&mountpoint=1&pin=p' } } });
    await until(() => playable.length === 1);
    expect(playable).toEqual(['bob janus+http://j/janus?token=t&mountpoint=1&pin=p']);
    expect(client.room('r_1')!.playUrls.m_b).toMatchObject({ webrtcUrl: 'janus+http://j/janus?token=t&mountpoint=1&pin=p', webrtcUnavailable: '' });
    await client.close();
  });

  it('a session that could not be resumed: every seat is reported lost', async () => {
    const { gw, client, socket } = await connectedClient();
    await joined(client, socket);
    const lost: string[] = [];
    client.on('seatLost', (e) => lost.push(`${e.roomId}:${e.reason}`));
    const next = gw.nextSocket();
    socket.on.error('network down');
    (await next).push(welcome({ resumed: false, sessionId: 's2' }));
    await until(() => lost.length === 1);
    expect(lost).toEqual(['r_1:SESSION_EXPIRED']);
    expect(client.room('r_1')).toBeUndefined();
    await client.close();
  });

  it('a jump in seq asks for a sync and the missed notices come first, once each', async () => {
    const { client, socket } = await connectedClient();
    await joined(client, socket, 3);
    const seen: number[] = [];
    client.on('notice', (n) => seen.push(n.seq));
    socket.push({ notice: { roomId: 'r_1', seq: 6, memberUpdated: { member: member('m_a', 'alice') } } });
    await until(() => !!lastRequest(socket, 'syncRoom'));
    const sync = lastRequest(socket, 'syncRoom')!;
    expect(sync.syncRoom).toEqual({ roomId: 'r_1', afterSeq: 3 });
    socket.push({ notice: { roomId: 'r_1', seq: 7, memberUpdated: { member: member('m_a', 'alice') } } });
    socket.push({
      requestId: sync.requestId,
      syncRoom: {
        seq: 6,
        notices: [4, 5, 6].map((seq) => ({ roomId: 'r_1', seq, memberUpdated: { member: member('m_a', 'alice') } })),
      },
    });
    await until(() => seen.length === 4);
    expect(seen).toEqual([4, 5, 6, 7]);
    await client.close();
  });

  it('a ping left unanswered counts the connection dead: it reconnects without waiting for a close', async () => {
    const gw = fakeGateway();
    const client = new RtcRoomClient({ socket: gw.adapter, heartbeatTimeoutMs: 60, reconnect: { initialDelayMs: 10 } });
    const opened = gw.nextSocket();
    const connecting = client.connect('ws://gw/v1/ws', 'tok');
    const first = await opened;
    first.push(welcome({ pingIntervalMs: 100 }));
    await connecting;
    const next = gw.nextSocket();
    const second = await next;
    expect(lastRequest(first, 'ping')).toBeDefined();
    expect(first.closed?.code).not.toBe(1000);
    expect(second.url).toContain('resume_token=rt-1');
    await client.close();
  });

  it('requests made while reconnecting wait for the connection; ones cut off fail with CONNECTION_LOST', async () => {
    const { gw, client, socket } = await connectedClient();
    const cut = client.listRooms();
    await until(() => !!lastRequest(socket, 'listRooms'));
    const next = gw.nextSocket();
    socket.on.close(1006, '');
    await expect(cut).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    const waiting = client.listRooms();
    const again = await next;
    again.push(welcome({ resumed: true }));
    await until(() => !!lastRequest(again, 'listRooms'));
    again.push({ requestId: lastRequest(again, 'listRooms')!.requestId, listRooms: { rooms: [{ id: 'r_9', name: 'x' }] } });
    await expect(waiting).resolves.toMatchObject({ rooms: [{ id: 'r_9', name: 'x', maxMembers: 0 }], nextPageToken: '' });
    await client.close();
  });

  it('server errors reject with RtcRoomError carrying the stable code', async () => {
    const { client, socket } = await connectedClient();
    const joining = client.joinRoom({ roomName: 'full' });
    await until(() => !!lastRequest(socket, 'joinRoom'));
    socket.push({ requestId: lastRequest(socket, 'joinRoom')!.requestId, error: { code: 'ROOM_FULL', message: 'no seat left' } });
    const err = await joining.catch((e) => e);
    expect(err).toBeInstanceOf(RtcRoomError);
    expect([err.code, err.request]).toEqual(['ROOM_FULL', 'joinRoom']);
    await client.close();
  });

  it('errors keep their cause: a socket that cannot be opened, and the close that ends the requests waiting', async () => {
    const refused = new Error('no WebSocket here');
    const broken = new RtcRoomClient({ socket: () => { throw refused; } });
    const err = await broken.connect('ws://gw/v1/ws', 'tok').catch((e) => e);
    expect([err.code, err.message, err.cause]).toEqual(['CONNECT_FAILED', 'CONNECT_FAILED: no WebSocket here', refused]);

    const { client, socket } = await connectedClient({ reconnect: { enabled: false } });
    const waiting = client.listRooms().catch((e) => e);
    await until(() => !!lastRequest(socket, 'listRooms'));
    await client.close();
    const closed = await waiting;
    expect([closed.code, closed.message, closed.request]).toEqual(['CLOSED', 'CLOSED: the client was closed', 'listRooms']);
    expect(closed.cause).toMatchObject({ code: 'CLOSED' });
  });

  it('a recording-ready notice becomes a recordingReady event with its defaults filled in', async () => {
    const { client, socket } = await connectedClient();
    await joined(client, socket, 3);
    const ready: unknown[] = [];
    client.on('recordingReady', (e) => ready.push(e));
    socket.push({ notice: { roomId: 'r_1', seq: 4, recordingReady: { recording: { id: 'rec_1', roomId: 'r_1', identity: 'alice', format: 'flv', sizeBytes: 2048 } } } });
    await until(() => ready.length === 1);
    expect(ready[0]).toMatchObject({ roomId: 'r_1', seq: 4, recording: { id: 'rec_1', format: 'flv', sizeBytes: 2048, url: '', mediaServer: 'MEDIA_SERVER_UNSPECIFIED' } });
    await client.close();
  });

  it('waits on for its welcome while a busy gateway says it is in line', async () => {
    const gw = fakeGateway();
    const client = new RtcRoomClient({ socket: gw.adapter, connectTimeoutMs: 100 });
    const opened = gw.nextSocket();
    const connecting = client.connect('ws://gw/v1/ws', 'tok');
    const socket = await opened;
    const told: Array<{ position: number; expectedWaitMs: number }> = [];
    client.on('connectionWaiting', (e) => told.push(e));
    // Told every so often, each time before the 100 ms would have run out: it does not give up.
    for (let i = 0; i < 4; i++) {
      socket.push({ requestId: '', waiting: { position: 4 - i, expectedWaitMs: 0 } });
      await new Promise((r) => setTimeout(r, 60));
    }
    socket.push(welcome());
    await expect(connecting).resolves.toMatchObject({ identity: 'alice' });
    expect(gw.sockets).toHaveLength(1);
    expect(told.map((e) => e.position)).toEqual([4, 3, 2, 1]);
    await client.close();
  });

  it('sent away by a busy gateway before its welcome, connect() comes back when the gateway said', async () => {
    const gw = fakeGateway();
    const client = new RtcRoomClient({ socket: gw.adapter });
    let opened = gw.nextSocket();
    const connecting = client.connect('ws://gw/v1/ws', 'tok');
    const first = await opened;
    opened = gw.nextSocket();
    const awayAt = Date.now();
    first.push({ requestId: '', goAway: { reason: 'too many connections opening', reconnectAfterMs: 150 } });
    first.push({ requestId: '', error: { code: 'UNAVAILABLE', message: 'busy' } });
    first.on.close(1013, 'busy; reconnect later');
    const second = await opened;
    expect(Date.now() - awayAt).toBeGreaterThanOrEqual(140);
    second.push(welcome());
    await expect(connecting).resolves.toMatchObject({ identity: 'alice' });
    expect(client.state).toBe('connected');
    await client.close();
  });

  it('a busy refusal carries its time to come back, and a reconnect waits that long', async () => {
    const { gw, client, socket } = await connectedClient();
    const delays: number[] = [];
    client.on('connectionState', (e) => e.delayMs !== undefined && delays.push(e.delayMs));
    let next = gw.nextSocket();
    socket.on.close(1006, '');
    const refused = await next;
    next = gw.nextSocket();
    refused.push({ requestId: '', goAway: { reason: 'too many connections opening', reconnectAfterMs: 77 } });
    refused.push({ requestId: '', error: { code: 'UNAVAILABLE', message: 'busy' } });
    refused.on.close(1013, 'busy; reconnect later');
    (await next).push(welcome({ resumed: true }));
    await until(() => client.state === 'connected');
    expect(delays[1]).toBe(77);
    await client.close();
  });

  it('the gateway\'s goAway sets the reconnect delay', async () => {
    const { gw, client, socket } = await connectedClient();
    const delays: number[] = [];
    client.on('connectionState', (e) => e.delayMs !== undefined && delays.push(e.delayMs));
    socket.push({ goAway: { reason: 'shutting down', reconnectAfterMs: 42 } });
    const next = gw.nextSocket();
    socket.on.close(1001, 'gateway shutting down');
    await next;
    expect(delays).toEqual([42]);
    await client.close();
  });
});

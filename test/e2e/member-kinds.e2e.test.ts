// Member kinds end to end, through the SDK and the gateway to the room service and the url-issuer, on
// the real Postgres and NATS, under both media providers: a browser member (an agent's console) and a
// mini-program member (a customer's phone) in one room each get URLs of their own kind for each other's
// streams - at join, when a stream starts, for late joiners, and on an incoming call. Tencent gives a
// browser WebRTC URLs (its web pusher, LEB webrtc:// play) signed as its RTMP URLs; self-hosted
// nginx-rtmp without a bridge gives none and says WEBRTC_UNAVAILABLE. An audience member keeps its kind
// when it watches and when it is promoted to a seat (连麦).
import { createHash } from 'node:crypto';
import { createClient, issueAccessToken } from '@rtcroom/common';
import { createTestDatabase, testNatsUrl, TestDatabase } from '@rtcroom/common/testing';
import { RunningSystem, startAll } from '@rtcroom/dev';
import { deskServicev1, deskv1 } from '@rtcroom/proto';
import { ClientKind, describeWebRtcUnavailable, nodeSocket, PlayUrl, PushUrl, RtcRoomClient, RtcRoomEvents, WebSocketClass } from '@rtcroom/sdk';
import WebSocket from 'ws';

const secret = 'member-kinds-secret-long-enough';
const tencentKey = 'member-kinds-push-key-0123456789';

/** What each provider gives each kind, as the member would check it. */
interface Expectations {
  env: Record<string, string>;
  /** A mini-program's push URL and a play URL signed for one. */
  rtmpPush: RegExp;
  rtcPlay: RegExp;
  /** A browser's: checks the WebRTC fields of a push or play URL of `streamId`. */
  browserPush(url: PushUrl): void;
  browserPlay(url: PlayUrl | undefined, streamId: string): void;
}

/** Tencent's txSecret, computed here from the URL's own txTime: MD5(key + stream id + txTime). */
function expectTencentSigned(url: string, prefix: string, streamId: string): void {
  const match = new RegExp(`^${prefix.replace(/[.]/g, '\\.')}/live/${streamId}\\?txSecret=([0-9a-f]{32})&txTime=([0-9A-F]{8})$`).exec(url);
  expect(match).not.toBeNull();
  const [, txSecret, txTime] = match!;
  expect(txSecret).toBe(createHash('md5').update(tencentKey + streamId + txTime).digest('hex'));
  expect(parseInt(txTime, 16) * 1000).toBeGreaterThan(Date.now());
}

const providers: Record<string, Expectations> = {
  tencent: {
    env: { MEDIA_PROVIDER: 'tencent', TENCENT_BIZID: '1400', TENCENT_PUSH_KEY: tencentKey },
    rtmpPush: /^rtmp:\/\/1400\.livepush\.myqcloud\.com\/live\/1400_[a-z2-7]+\?bizid=1400&txSecret=/,
    rtcPlay: /^rtmp:\/\/1400\.liveplay\.myqcloud\.com\/live\/1400_[a-z2-7]+\?bizid=1400&txSecret=/,
    browserPush(url) {
      expectTencentSigned(url.webrtcUrl, 'webrtc://1400.livepush.myqcloud.com', url.streamId);
      expect(url.webrtcUnavailable).toBe('');
      // Signed exactly as the RTMP push URL issued with it: same txSecret and txTime.
      expect(url.webrtcUrl.split('?')[1]).toBe(url.url.split('?')[1].replace('bizid=1400&', ''));
    },
    browserPlay(url, streamId) {
      expect(url?.streamId).toBe(streamId);
      expectTencentSigned(url!.webrtcUrl, 'webrtc://1400.liveplay.myqcloud.com', streamId);
      expect(url!.webrtcUnavailable).toBe('');
    },
  },
  'self-hosted': {
    env: {},
    rtmpPush: /^rtmp:\/\/[^/]+\/live\/s_[a-z2-7]+\?exp=\d+&sig=[0-9a-f]{64}$/,
    rtcPlay: /^rtmp:\/\/[^/]+\/live\/s_[a-z2-7]+\?viewer=/,
    browserPush(url) {
      expect([url.webrtcUrl, url.webrtcUnavailable]).toEqual(['', 'WEBRTC_UNAVAILABLE']);
      expect(describeWebRtcUnavailable(url.webrtcUnavailable)).toMatch(/RTMP only/);
    },
    browserPlay(url, streamId) {
      expect(url?.streamId).toBe(streamId);
      expect([url!.webrtcUrl, url!.webrtcUnavailable]).toEqual(['', 'WEBRTC_UNAVAILABLE']);
    },
  },
};

/** The SDK's own way to send syncRoom (it does after a resume or a gap), reached for the test. */
interface SyncTransport {
  request(kind: 'syncRoom', body: { roomId: string; afterSeq: number }): Promise<{ snapshot: boolean; playUrls: PlayUrl[]; notices: { streamStarted?: { playUrl?: PlayUrl } }[] }>;
}

/** Collects a client's events of one kind, and waits for one that matches. */
function recorder<K extends keyof RtcRoomEvents>(client: RtcRoomClient, event: K) {
  const seen: RtcRoomEvents[K][] = [];
  client.on(event, (e) => void seen.push(e));
  return {
    async next(match: (e: RtcRoomEvents[K]) => boolean, timeoutMs = 10_000): Promise<RtcRoomEvents[K]> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching ${String(event)} event in time`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

describe.each(Object.keys(providers))('member kinds, %s provider', (provider) => {
  const expected = providers[provider];
  let system: RunningSystem;
  let database: TestDatabase;
  const clients: RtcRoomClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    system = await startAll({
      env: { DATABASE_URL: database.url, NATS_URL: testNatsUrl, ACCESS_TOKEN_SECRET: secret, RTCROOM_DEV: 'true', ...expected.env },
      ephemeralPorts: true,
      logLevel: (process.env.TEST_LOG as 'debug') ?? 'silent',
    });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await system?.stop();
    await database?.drop();
  });

  async function connect(identity: string, kind?: ClientKind, agentTeams?: string[]): Promise<RtcRoomClient> {
    const client = new RtcRoomClient({ socket: nodeSocket(WebSocket as unknown as WebSocketClass), reconnect: { enabled: false }, ...(kind ? { kind } : {}) });
    clients.push(client);
    await client.connect(system.gatewayUrl, issueAccessToken(secret, { identity, ...(agentTeams ? { grants: { agentTeams } } : {}) }));
    return client;
  }

  it('gives a browser and a mini-program in one room URLs of their own kind for each other\'s streams', async () => {
    const room = `kinds-${provider}`;
    const phone = await connect(`phone-${provider}`); // says nothing: a mini-program, as every client before kinds
    const agent = await connect(`agent-${provider}`, 'CLIENT_KIND_BROWSER');
    const agentSaw = recorder(agent, 'streamReady');
    const phoneSaw = recorder(phone, 'streamReady');

    const phoneSeat = await phone.enterRoom(room);
    expect(phoneSeat.self.kind).toBe('CLIENT_KIND_MINI_PROGRAM');
    expect(phoneSeat.pushUrl.url).toMatch(expected.rtmpPush);
    expect([phoneSeat.pushUrl.webrtcUrl, phoneSeat.pushUrl.webrtcUnavailable]).toEqual(['', '']);
    await phone.reportPusherEvent(phoneSeat.room.id, 1002);

    // The browser joins after the phone's push began: the phone's stream comes with its join, for a browser.
    const agentSeat = await agent.joinRoom({ roomId: phoneSeat.room.id });
    expect(agentSeat.self.kind).toBe('CLIENT_KIND_BROWSER');
    expected.browserPush(agentSeat.pushUrl);
    expected.browserPlay(agentSeat.playUrls[phoneSeat.self.memberId], phoneSeat.self.streamId);
    // Both see each other's kind.
    expect(agentSeat.members.map((m) => [m.identity, m.kind])).toEqual([
      [`phone-${provider}`, 'CLIENT_KIND_MINI_PROGRAM'],
      [`agent-${provider}`, 'CLIENT_KIND_BROWSER'],
    ]);

    // The browser's push begins: the phone is given a mini-program's URL for it, no WebRTC one.
    await agent.reportPusherEvent(agentSeat.room.id, 1002);
    const toPhone = await phoneSaw.next((e) => e.member.memberId === agentSeat.self.memberId);
    expect(toPhone.playUrl?.rtcUrl).toMatch(expected.rtcPlay);
    expect(toPhone.playUrl?.rtcUrl).toContain(agentSeat.self.streamId);
    expect([toPhone.playUrl?.webrtcUrl, toPhone.playUrl?.webrtcUnavailable]).toEqual(['', '']);
    expect(phone.room(phoneSeat.room.id)?.members.find((m) => m.memberId === agentSeat.self.memberId)?.kind).toBe('CLIENT_KIND_BROWSER');

    // A second browser and a second phone join late: each gets both streams in its own kind.
    const lateAgent = await connect(`late-agent-${provider}`, 'CLIENT_KIND_BROWSER');
    const latePhone = await connect(`late-phone-${provider}`);
    const lateAgentSeat = await lateAgent.joinRoom({ roomId: phoneSeat.room.id });
    for (const publisher of [phoneSeat.self, agentSeat.self]) expected.browserPlay(lateAgentSeat.playUrls[publisher.memberId], publisher.streamId);
    const latePhoneSeat = await latePhone.joinRoom({ roomId: phoneSeat.room.id });
    for (const publisher of [phoneSeat.self, agentSeat.self]) {
      const url = latePhoneSeat.playUrls[publisher.memberId];
      expect(url?.rtcUrl).toMatch(expected.rtcPlay);
      expect([url?.webrtcUrl, url?.webrtcUnavailable]).toEqual(['', '']);
    }

    // A browser that said nothing at connect may still take a seat as one (the join says its kind).
    const plain = await connect(`plain-${provider}`);
    const plainSeat = await plain.joinRoom({ roomId: phoneSeat.room.id, kind: 'CLIENT_KIND_BROWSER' });
    expect(plainSeat.self.kind).toBe('CLIENT_KIND_BROWSER');
    expected.browserPush(plainSeat.pushUrl);

    // The late phone's push begins: one notice, each viewer's URL of its own kind.
    const lateAgentSaw = recorder(lateAgent, 'streamReady');
    await latePhone.reportPusherEvent(phoneSeat.room.id, 1002);
    for (const browser of [agentSaw, lateAgentSaw]) {
      const seen = await browser.next((e) => e.member.memberId === latePhoneSeat.self.memberId);
      expected.browserPlay(seen.playUrl, latePhoneSeat.self.streamId);
    }
    const phoneSawLate = await phoneSaw.next((e) => e.member.memberId === latePhoneSeat.self.memberId);
    expect(phoneSawLate.playUrl?.rtcUrl).toMatch(expected.rtcPlay);
    expect(phoneSawLate.playUrl?.webrtcUrl).toBe('');

    // Back in step after a gap or a resume (syncRoom, as the SDK sends it): the browser's URLs again.
    const sync = (client: RtcRoomClient, afterSeq: number) => (client as unknown as { transport: SyncTransport }).transport.request('syncRoom', { roomId: phoneSeat.room.id, afterSeq });
    const snapshot = await sync(agent, 0);
    expect(snapshot.snapshot).toBe(true);
    expect(snapshot.playUrls.map((u) => u.streamId).sort()).toEqual([phoneSeat.self.streamId, latePhoneSeat.self.streamId].sort());
    for (const url of snapshot.playUrls) expected.browserPlay(url, url.streamId);
    const replay = await sync(agent, agentSeat.seq);
    const started = replay.notices.flatMap((n) => (n.streamStarted?.playUrl ? [n.streamStarted.playUrl] : []));
    expect(started.map((u) => u.streamId)).toEqual([latePhoneSeat.self.streamId]);
    expected.browserPlay(started[0], latePhoneSeat.self.streamId);
    const phoneReplay = await sync(phone, phoneSeat.seq);
    const toPhoneAgain = phoneReplay.notices.flatMap((n) => (n.streamStarted?.playUrl ? [n.streamStarted.playUrl] : []));
    expect(toPhoneAgain.map((u) => [u.streamId, u.webrtcUrl])).toEqual([
      [agentSeat.self.streamId, ''],
      [latePhoneSeat.self.streamId, ''],
    ]);
  });

  it('rings a browser callee with the caller\'s stream as a browser plays it, and seats it as a browser', async () => {
    const caller = await connect(`caller-${provider}`);
    const callee = await connect(`callee-${provider}`, 'CLIENT_KIND_BROWSER');
    const rings = recorder(callee, 'incomingCall');
    const { call, room } = await caller.placeCall(`callee-${provider}`);
    expect(room.pushUrl.url).toMatch(expected.rtmpPush);
    await caller.reportPusherEvent(room.room.id, 1002);
    const ring = await rings.next((e) => e.call.id === call.id);
    expected.browserPlay(ring.callerPlayUrl, room.self.streamId);

    const answered = await callee.answerCall(call.id);
    expect(answered.room?.self.kind).toBe('CLIENT_KIND_BROWSER');
    expected.browserPush(answered.room!.pushUrl!);
    expected.browserPlay(answered.room!.playUrls[room.self.memberId], room.self.streamId);
  });

  it("the issue's scenario: a phone customer calls a team, a browser agent is offered and answers it, each plays the other in its own kind", async () => {
    const desk = createClient(deskServicev1.DeskServiceService, system.roomGrpcAddress);
    const { team } = await desk.createTeam({ team: deskv1.Team.fromPartial({ name: `claims-${provider}`, ringTimeoutSeconds: 10, wrapUpSeconds: 1 }) });
    desk.close();
    const agent = await connect(`desk-agent-${provider}`, 'CLIENT_KIND_BROWSER', [team!.name]);
    await agent.setAgentState(team!.name, 'AGENT_STATE_AVAILABLE');
    const offers = recorder(agent, 'incomingCall');
    const customer = await connect(`customer-${provider}`);
    const customerSaw = recorder(customer, 'streamReady');

    const { call, room } = await customer.callTeam(team!.name, { metadata: 'claim 42' });
    expect(room.self.kind).toBe('CLIENT_KIND_MINI_PROGRAM');
    expect(room.pushUrl.url).toMatch(expected.rtmpPush);
    await customer.reportPusherEvent(room.room.id, 1002);
    const offer = await offers.next((e) => e.call.id === call.id);
    expected.browserPlay(offer.callerPlayUrl, room.self.streamId);

    const answered = await agent.answerCall(call.id);
    expect(answered.room?.self.kind).toBe('CLIENT_KIND_BROWSER');
    expected.browserPush(answered.room!.pushUrl!);
    expected.browserPlay(answered.room!.playUrls[room.self.memberId], room.self.streamId);
    await agent.reportPusherEvent(room.room.id, 1002);
    const agentStream = await customerSaw.next((e) => e.member.memberId === answered.room!.self.memberId);
    expect(agentStream.playUrl?.rtcUrl).toMatch(expected.rtcPlay);
    expect(agentStream.playUrl?.webrtcUrl).toBe('');

    // A customer on a web page calls the team as a browser (the request says so).
    const webCustomer = await connect(`web-customer-${provider}`);
    const web = await webCustomer.callTeam(team!.name, { kind: 'CLIENT_KIND_BROWSER' });
    expect(web.room.self.kind).toBe('CLIENT_KIND_BROWSER');
    expected.browserPush(web.room.pushUrl);
  });

  it('an audience keeps its kinds: a browser watching plays in its kind, and once 连麦 pushes in its kind', async () => {
    const host = await connect(`aud-host-${provider}`); // a mini-program
    const hostSeat = await host.enterRoom(`aud-kinds-${provider}`);
    const roomId = hostSeat.room.id;
    const viewer = await connect(`aud-viewer-${provider}`, 'CLIENT_KIND_BROWSER');
    const viewerSaw = recorder(viewer, 'streamReady');
    const watching = await viewer.joinRoom({ roomId, as: 'audience' });
    expect([watching.self.kind, watching.self.role, watching.pushUrl]).toEqual(['CLIENT_KIND_BROWSER', 'MEMBER_ROLE_AUDIENCE', undefined]);

    // The seated phone's push begins: the browser in the audience is given a browser's URL for it.
    await host.reportPusherEvent(roomId, 1002);
    expected.browserPlay((await viewerSaw.next((e) => e.member.memberId === hostSeat.self.memberId)).playUrl, hostSeat.self.streamId);
    // A phone watching, joined late: the host's stream in a mini-program's kind.
    const fan = await connect(`aud-fan-${provider}`);
    const fanWatching = await fan.joinRoom({ roomId, as: 'audience' });
    expect([fanWatching.self.kind, fanWatching.self.role]).toEqual(['CLIENT_KIND_MINI_PROGRAM', 'MEMBER_ROLE_AUDIENCE']);
    expect(fanWatching.playUrls[hostSeat.self.memberId]?.rtcUrl).toMatch(expected.rtcPlay);
    expect(fanWatching.playUrls[hostSeat.self.memberId]?.webrtcUrl).toBe('');

    // 连麦: invited and promoted, the browser gets a browser's push URL for the stream it already had.
    await host.inviteToSeat(roomId, `aud-viewer-${provider}`);
    const taken = await viewer.takeSeat(roomId);
    expect(taken.pending).toBe(false);
    expect(taken.pushUrl?.streamId).toBe(watching.self.streamId);
    expected.browserPush(taken.pushUrl!);
    expect(viewer.room(roomId)?.self).toMatchObject({ kind: 'CLIENT_KIND_BROWSER', role: 'MEMBER_ROLE_SEAT' });

    // Its push begins: the phone on the seat and the phone watching each get a mini-program's URL.
    const hostSaw = recorder(host, 'streamReady');
    const fanSaw = recorder(fan, 'streamReady');
    await viewer.reportPusherEvent(roomId, 1002);
    for (const phone of [hostSaw, fanSaw]) {
      const seen = await phone.next((e) => e.member.memberId === watching.self.memberId);
      expect(seen.playUrl?.rtcUrl).toMatch(expected.rtcPlay);
      expect(seen.playUrl?.rtcUrl).toContain(watching.self.streamId);
      expect(seen.playUrl?.webrtcUrl).toBe('');
    }
  });

  it('refuses a connection whose client_kind it does not know, with a clear error', async () => {
    const socket = new WebSocket(`${system.gatewayUrl}?access_token=${issueAccessToken(secret, { identity: 'odd' })}&client_kind=CLIENT_KIND_TOASTER`);
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(String(data)));
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    expect(code).toBe(1008);
    expect(JSON.parse(frames[0])).toMatchObject({ error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('client_kind') } });
  });
});

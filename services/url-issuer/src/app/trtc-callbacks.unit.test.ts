// TrtcCallbacks' own decisions, on in-memory ports: what is published, when a user is put out, and
// that a failed callback gives its claim back so Tencent's retry is applied.
import { createHmac } from 'node:crypto';
import { testLogger } from '@rtcroom/common/testing';
import type { MediaFact } from '../domain/media-fact';
import type { MemberDirectory, MembershipWithRoom } from '../domain/member-directory';
import { MediaRoomControl, RosterRow, TrtcCallbacks, TrtcRoster } from './trtc-callbacks';
import { unseenUser } from '../domain/trtc-callback';

const key = 'trtc-callback-key';
const sdkAppId = 1400123456;
const now = new Date(1_800_000_000_000);
const alice: MembershipWithRoom = {
  member: { memberId: 'm_alice', identity: 'alice', roomId: 'r_1', streamId: 't_alice', state: 'joined' },
  room: { roomId: 'r_1', open: true, recording: false },
};
// An audience member, read by its stream: 'left' as a pusher, but in the room.
const viewer: MembershipWithRoom = {
  member: { memberId: 'm_viewer', identity: 'viewer', roomId: 'r_1', streamId: 't_viewer', state: 'left', inAudience: true },
  room: { roomId: 'r_1', open: true, recording: false },
};

function inMemoryRoster(): TrtcRoster & { rows: Map<string, RosterRow> } {
  const claims = new Set<string>();
  const rows = new Map<string, RosterRow>();
  return {
    rows,
    claim: async (sign) => (claims.has(sign) ? false : (claims.add(sign), true)),
    release: async (sign) => void claims.delete(sign),
    async change(roomId, userId, change) {
      const id = `${roomId}/${userId}`;
      const next = await change(rows.get(id) ?? { roomId, userId, memberId: '', identity: '', state: unseenUser });
      if (next) rows.set(id, next);
    },
    list: async (roomId) => [...rows.values()].filter((r) => r.roomId === roomId),
  };
}

function setup() {
  const published: MediaFact[] = [];
  const removed: string[][] = [];
  let failNextPublish = false;
  const directory: MemberDirectory = { byStream: async (s) => (s === 't_alice' ? alice : s === 't_viewer' ? viewer : null), seated: async () => null };
  const sink = {
    publish: async (fact: MediaFact) => {
      if (failNextPublish) {
        failNextPublish = false;
        throw new Error('bus down');
      }
      published.push(fact);
    },
  };
  const control: MediaRoomControl = { removeUsers: async (_room, users) => void removed.push(users), dismissRoom: async () => undefined };
  const roster = inMemoryRoster();
  const callbacks = new TrtcCallbacks({ callbackKey: key, sdkAppId, maxAgeMs: 300_000, maxSkewMs: 60_000 }, directory, sink, roster, control, testLogger('trtc'), () => now);
  const send = (eventType: number, userId: string, atMs: number, role?: number) => {
    const raw = JSON.stringify({ EventGroupId: 1, EventType: eventType, CallbackTs: now.getTime(), EventInfo: { RoomId: 'r_1', EventMsTs: atMs, UserId: userId, Reason: 1, Role: role } });
    return callbacks.handle({ sdkAppId: String(sdkAppId), sign: createHmac('sha256', key).update(raw).digest('base64') }, raw);
  };
  return { published, removed, roster, send, failPublishOnce: () => (failNextPublish = true) };
}

describe('TrtcCallbacks', () => {
  it('publishes a stream once, when the first of camera and microphone goes on and the last goes off', async () => {
    const { published, send } = setup();
    for (const [type, at] of [[103, 1], [201, 2], [203, 3], [202, 4], [204, 5]]) expect(await send(type!, 't_alice', at!)).toEqual({ status: 200, body: { code: 0 } });
    const streams = published.filter((f) => f.type !== 'media_state');
    expect(streams.map((f) => [f.type, f.owner.memberId, f.server])).toEqual([
      ['stream_began', 'm_alice', 'trtc'],
      ['stream_ended', 'm_alice', 'trtc'],
    ]);
  });

  it('tells the member\'s camera and microphone as media state facts, one per change, the one that changed only', async () => {
    const { published, send } = setup();
    for (const [type, at] of [[103, 1], [201, 2], [203, 3], [202, 4], [204, 5], [203, 6], [104, 7]]) await send(type!, 't_alice', at!);
    const media = published.flatMap((f) => (f.type === 'media_state' ? [{ audio: f.audio, video: f.video }] : []));
    expect(media).toEqual([
      { audio: undefined, video: true },
      { audio: true, video: undefined },
      { audio: undefined, video: false },
      { audio: false, video: undefined },
      { audio: true, video: undefined },
      // Leaving turns what was on off.
      { audio: false, video: undefined },
    ]);
    expect(new Set(published.map((f) => f.id)).size).toBe(published.length);
  });

  it('puts out a user without a seat, but not one that left', async () => {
    const { removed, send, roster } = setup();
    await send(103, 't_stranger', 1);
    await send(104, 't_stranger', 2);
    expect(removed).toEqual([['t_stranger']]);
    expect(roster.rows.get('r_1/t_stranger')).toMatchObject({ memberId: '', state: { entered: false } });
  });

  it('lets an audience member it admitted stay while it receives only, and tells nothing of it', async () => {
    const { removed, published, send, roster } = setup();
    expect(await send(103, 't_viewer', 1, 21)).toEqual({ status: 200, body: { code: 0 } });
    expect(removed).toEqual([]);
    expect(published).toEqual([]);
    expect(roster.rows.get('r_1/t_viewer')).toMatchObject({ memberId: 'm_viewer', identity: 'viewer', state: { entered: true } });
  });

  it('puts out an audience member that entered as an anchor, or turned a microphone on (a seat\'s old tickets)', async () => {
    const { removed, published, send } = setup();
    await send(103, 't_viewer', 1, 20);
    expect(removed).toEqual([['t_viewer']]);
    await send(103, 't_viewer', 2, 21);
    await send(203, 't_viewer', 3);
    expect(removed).toEqual([['t_viewer'], ['t_viewer']]);
    expect(published).toEqual([]);
  });

  it("gives a failed callback's claim back: Tencent's retry is applied, and its repeat is not", async () => {
    const { published, send, failPublishOnce } = setup();
    await send(103, 't_alice', 1);
    failPublishOnce();
    expect(await send(201, 't_alice', 2)).toMatchObject({ status: 503 });
    expect(published).toEqual([]);
    expect(await send(201, 't_alice', 2)).toEqual({ status: 200, body: { code: 0 } });
    expect(await send(201, 't_alice', 2)).toEqual({ status: 200, body: { code: 0 } });
    expect(published.map((f) => f.type)).toEqual(['stream_began', 'media_state']);
  });
});

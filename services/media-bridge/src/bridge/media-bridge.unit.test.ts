// The bridge's bookkeeping against a stand-in Janus: one ingress per stream whatever the viewers,
// one VideoRoom per room whatever the publishers, tokens that come and go with their members' needs.
// (ffmpeg is `true` here: it ends at once and is restarted; test/media runs the real one.)
import { createLogger } from '@rtcroom/common';
import type { JanusGateway } from '../janus/janus-gateway';
import { JanusError } from '../janus/janus-gateway';
import { UdpPortPairs } from '../media/udp-ports';
import { MediaBridge } from './media-bridge';

function fakeJanus() {
  const calls: string[] = [];
  const tokens = new Set<string>();
  const janus = {
    calls,
    tokens,
    refuseNext: false,
    async addToken(token: string) {
      calls.push('addToken');
      tokens.add(token);
    },
    async removeToken(token: string) {
      calls.push('removeToken');
      tokens.delete(token);
    },
    async createMountpoint(spec: { id: number }) {
      if (janus.refuseNext) {
        janus.refuseNext = false;
        throw new JanusError('create: no', 456);
      }
      calls.push('createMountpoint');
      return { id: spec.id, audioPort: 40000, videoPort: 40002 };
    },
    async destroyMountpoint() {
      calls.push('destroyMountpoint');
    },
    async createVideoRoom() {
      calls.push('createVideoRoom');
    },
    async destroyVideoRoom() {
      calls.push('destroyVideoRoom');
    },
    async allowInVideoRoom(_room: number, _secret: string, action: string) {
      calls.push(`allow:${action}`);
    },
    async isPublishing() {
      return false;
    },
  };
  return janus;
}

const settings = { ffmpegPath: 'true', ingressVideo: 'copy' as const, egressVideo: 'transcode' as const, janusRtpHost: '127.0.0.1', rtpHost: '127.0.0.1', workDir: '/tmp', pollMs: 50 };
const logger = createLogger({}, 'silent');
const source = 'rtmp://127.0.0.1:1935/live/s1';

describe('MediaBridge', () => {
  let janus: ReturnType<typeof fakeJanus>;
  let bridge: MediaBridge;
  beforeEach(() => {
    janus = fakeJanus();
    bridge = new MediaBridge(() => janus as unknown as JanusGateway, settings, new UdpPortPairs('127.0.0.1', { min: 21000, max: 21100 }), logger);
  });
  afterEach(() => bridge.stopAll());

  it('starts one ingress per stream, counts its viewers, and stops it with the last', async () => {
    const [ann, bob] = await Promise.all([bridge.openIngress('r1', 's1', 'ann', source), bridge.openIngress('r1', 's1', 'bob', source)]);
    expect(ann.mountpointId).toBe(bob.mountpointId);
    expect(ann.pin).toBe(bob.pin);
    expect(ann.token).not.toBe(bob.token);
    expect(janus.calls.filter((c) => c === 'createMountpoint')).toHaveLength(1);
    expect((await bridge.openIngress('r1', 's1', 'ann', source)).viewers).toBe(2);
    expect(await bridge.closeIngress('r1', 's1', 'ann')).toBe(1);
    expect(janus.tokens.has(ann.token)).toBe(false);
    expect(janus.calls).not.toContain('destroyMountpoint');
    expect(await bridge.closeIngress('r1', 's1', 'bob')).toBe(0);
    expect(janus.calls.filter((c) => c === 'destroyMountpoint')).toHaveLength(1);
    expect(janus.tokens.size).toBe(0);
    expect(bridge.list()).toEqual([]);
  });

  it("pulls with the newest viewer's source URL, and falls back when that viewer leaves", async () => {
    await bridge.openIngress('r1', 's1', 'ann', `${source}?viewer=ann`);
    await bridge.openIngress('r1', 's1', 'bob', `${source}?viewer=bob`);
    const ingress = (bridge as unknown as { ingresses: Map<string, { currentSource(): string }> }).ingresses.get('r1:s1')!;
    expect(ingress.currentSource()).toBe(`${source}?viewer=bob`);
    await bridge.closeIngress('r1', 's1', 'bob');
    expect(ingress.currentSource()).toBe(`${source}?viewer=ann`);
    expect(bridge.list()[0].identities).toEqual(['ann']);
  });

  it('holds no token for a bridge Janus refused to make', async () => {
    janus.refuseNext = true;
    await expect(bridge.openIngress('r1', 's1', 'ann', source)).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    expect(janus.tokens.size).toBe(0);
    expect(bridge.tokens.size).toBe(0);
  });

  it('keeps one VideoRoom per room, admits each publisher, and destroys it with the last egress', async () => {
    const ann = await bridge.openEgress('r1', 'm-ann', 'ann', 'rtmp://127.0.0.1:1935/live/a');
    const bob = await bridge.openEgress('r1', 'm-bob', 'bob', 'rtmp://127.0.0.1:1935/live/b');
    expect(ann.videoroomId).toBe(bob.videoroomId);
    expect(ann.feedId).not.toBe(bob.feedId);
    expect(janus.calls.filter((c) => c === 'createVideoRoom')).toHaveLength(1);
    expect(janus.calls).toContain('allow:add');
    // Opening again answers the same.
    expect(await bridge.openEgress('r1', 'm-ann', 'ann', 'rtmp://127.0.0.1:1935/live/a')).toEqual(ann);
    await bridge.closeEgress('r1', 'm-ann', 'ann');
    expect(janus.calls).toContain('allow:remove');
    expect(janus.calls).not.toContain('destroyVideoRoom');
    await bridge.closeEgress('r1', 'm-bob', 'bob');
    expect(janus.calls).toContain('destroyVideoRoom');
    expect(janus.tokens.size).toBe(0);
  });

  it("keys an egress by member id and lets no other identity open or close it; a member's play and push share its token", async () => {
    const ann = await bridge.openEgress('r1', 'm-ann', 'ann', 'rtmp://127.0.0.1:1935/live/a');
    // Mallory names Ann's member id: refused, and Ann's egress is as it was.
    await expect(bridge.openEgress('r1', 'm-ann', 'mallory', 'rtmp://127.0.0.1:1935/live/evil')).rejects.toMatchObject({ reason: 'PERMISSION_DENIED', metadata: { why: 'EGRESS_NOT_YOURS' } });
    await expect(bridge.closeEgress('r1', 'm-ann', 'mallory')).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    expect(bridge.list()).toMatchObject([{ direction: 'egress', memberId: 'm-ann', identities: ['ann'] }]);
    expect(janus.tokens.size).toBe(1);
    // A member id that is another's identity is no key to that identity's token.
    const viewer = await bridge.openIngress('r1', 's1', 'm-ann', source);
    expect(viewer.token).not.toBe(ann.token);
    // Ann plays too: the same token as her egress.
    expect((await bridge.openIngress('r1', 's1', 'ann', source)).token).toBe(ann.token);
    await bridge.closeEgress('r1', 'm-ann', 'ann');
    expect(janus.tokens.has(ann.token)).toBe(true);
    await bridge.closeIngress('r1', 's1', 'ann');
    expect(janus.tokens.has(ann.token)).toBe(false);
  });

  it('answers NOT_FOUND for what is not open, UNAVAILABLE for what Janus refuses or when it is gone', async () => {
    await expect(bridge.closeIngress('r1', 's1', 'ann')).rejects.toMatchObject({ name: 'DomainError', reason: 'NOT_FOUND' });
    await expect(bridge.closeEgress('r1', 'm-ann', 'ann')).rejects.toMatchObject({ name: 'DomainError', reason: 'NOT_FOUND' });
    janus.refuseNext = true;
    await expect(bridge.openIngress('r1', 's1', 'ann', source)).rejects.toMatchObject({ name: 'DomainError', reason: 'UNAVAILABLE' });
    const gone = new MediaBridge(() => undefined, settings, new UdpPortPairs('127.0.0.1', { min: 21000, max: 21100 }), logger);
    await expect(gone.openIngress('r1', 's1', 'ann', source)).rejects.toMatchObject({ name: 'DomainError', reason: 'UNAVAILABLE' });
  });
});

// The bridge's state: the ingresses (by stream) and egresses (by publisher) open now, who holds each,
// the VideoRoom of each room, and every member's token. Opening and closing the same bridge run one
// after another; a bridge starts with its first holder and stops with its last.
import { randomBytes } from 'node:crypto';
import { DomainError, Logger } from '@rtcroom/common';
import type { JanusGateway } from '../janus/janus-gateway';
import { JanusError, newJanusId } from '../janus/janus-gateway';
import { egressVideoCodec } from '../media/ffmpeg-commands';
import type { UdpPortPairs } from '../media/udp-ports';
import { Egress, EgressSettings } from './egress';
import { Ingress, IngressSettings } from './ingress';
import { KeyedLock } from './keyed-lock';
import { MemberTokens } from './member-tokens';

export type BridgeState = 'starting' | 'flowing' | 'restarting';

export interface IngressView {
  token: string;
  mountpointId: number;
  pin: string;
  state: BridgeState;
  viewers: number;
}

export interface EgressView {
  token: string;
  videoroomId: number;
  feedId: number;
  state: BridgeState;
}

export interface BridgeSummary {
  direction: 'ingress' | 'egress';
  roomId: string;
  streamId: string;
  /** Egress: the member publishing; ingress: ''. */
  memberId: string;
  identities: string[];
  state: BridgeState;
  restarts: number;
  setupMs: number;
  /** ffmpeg's process id now (for CPU accounting), if it runs. */
  pid: number | undefined;
}

interface VideoRoom {
  id: number;
  /** Needed to change or destroy it, or forward from it. */
  secret: string;
  egresses: number;
}

export class MediaBridge {
  private ingresses = new Map<string, Ingress>();
  private egresses = new Map<string, Egress>();
  private videorooms = new Map<string, VideoRoom>();
  private lock = new KeyedLock();
  readonly tokens: MemberTokens;

  constructor(
    private readonly janus: () => JanusGateway | undefined,
    private readonly settings: IngressSettings & EgressSettings,
    private readonly portPairs: UdpPortPairs,
    private readonly logger: Logger,
  ) {
    this.tokens = new MemberTokens(() => this.gateway());
  }

  private gateway(): JanusGateway {
    const janus = this.janus();
    if (!janus) throw new DomainError('UNAVAILABLE', 'Janus is not connected; try again shortly');
    return janus;
  }

  /** `log`: the request's logger (a handler's call.log); the bridge's own by default. */
  async openIngress(roomId: string, streamId: string, viewer: string, sourceUrl: string, waitForMediaMs = 0, log: Logger = this.logger): Promise<IngressView> {
    const opened = await this.lock.run(`i:${roomId}:${streamId}`, () =>
      janusCall(async () => {
        const janus = this.gateway();
        const key = `${roomId}:${streamId}`;
        // The token first: an ingress exists only with a viewer who can watch it.
        const token = await this.tokens.acquire(roomId, viewer, `ingress:${streamId}`);
        let ingress = this.ingresses.get(key);
        if (!ingress) {
          try {
            ingress = await Ingress.start(roomId, streamId, sourceUrl, janus, this.settings, this.logger);
          } catch (err) {
            await this.tokens.release(roomId, viewer, `ingress:${streamId}`).catch(() => undefined);
            throw err;
          }
          this.ingresses.set(key, ingress);
          ingress.addViewer(viewer, sourceUrl);
          ingress.process.start();
          log.info('ingress opened', { roomId, streamId, mountpoint: ingress.mountpointId });
        } else {
          ingress.addViewer(viewer, sourceUrl);
        }
        return { ingress, view: { token, mountpointId: ingress.mountpointId, pin: ingress.pin, state: stateOf(ingress.process.state), viewers: ingress.viewers.size } };
      }),
    );
    // Outside the lock: other viewers of the stream open meanwhile. Not flowing in time is no error,
    // the state says so.
    if (waitForMediaMs > 0 && opened.view.state !== 'flowing') {
      await opened.ingress.process.flowing(waitForMediaMs).catch(() => undefined);
      return { ...opened.view, state: stateOf(opened.ingress.process.state), viewers: opened.ingress.viewers.size };
    }
    return opened.view;
  }

  async closeIngress(roomId: string, streamId: string, viewer: string, log: Logger = this.logger): Promise<number> {
    return this.lock.run(`i:${roomId}:${streamId}`, () =>
      janusCall(async () => {
        const key = `${roomId}:${streamId}`;
        const ingress = this.ingresses.get(key);
        if (!ingress || !ingress.viewers.has(viewer)) throw new DomainError('NOT_FOUND', `${viewer} has no ingress of ${streamId} open in ${roomId}`);
        ingress.viewers.delete(viewer);
        if (ingress.viewers.size === 0) {
          this.ingresses.delete(key);
          await ingress.stop(this.janus());
          log.info('ingress closed', { roomId, streamId });
        }
        // Last: the bridge's state is settled whether or not Janus takes the token back now.
        await this.tokens.release(roomId, viewer, `ingress:${streamId}`);
        return ingress.viewers.size;
      }),
    );
  }

  /**
   * A member's egress, keyed by its member id and held by its identity: the same member opening again
   * gets the same egress; anyone else naming that member id is refused, so no member takes over
   * (or closes) another's publish. The Janus token is the identity's in the room, shared with its
   * ingresses.
   */
  async openEgress(roomId: string, memberId: string, identity: string, targetUrl: string, log: Logger = this.logger): Promise<EgressView> {
    return this.lock.run(`r:${roomId}`, () =>
      janusCall(async () => {
        const janus = this.gateway();
        const key = `${roomId}:${memberId}`;
        let egress = this.egresses.get(key);
        if (egress) requireHolder(egress, identity);
        const use = `egress:${memberId}`;
        const token = await this.tokens.acquire(roomId, identity, use);
        if (!egress) {
          let room = this.videorooms.get(roomId);
          try {
            if (!room) {
              room = { id: newJanusId(), secret: randomBytes(24).toString('base64url'), egresses: 0 };
              await janus.createVideoRoom(room.id, room.secret, roomId, [token], egressVideoCodec(this.settings.egressVideo).name);
              this.videorooms.set(roomId, room);
            } else {
              await janus.allowInVideoRoom(room.id, room.secret, 'add', [token]);
            }
          } catch (err) {
            await this.tokens.release(roomId, identity, use).catch(() => undefined);
            throw err;
          }
          room.egresses++;
          egress = new Egress(roomId, memberId, identity, room.id, room.secret, newJanusId(), targetUrl, this.settings, this.portPairs, this.logger.child({ egress: memberId, room: roomId }));
          this.egresses.set(key, egress);
          egress.watch(this.janus);
          log.info('egress opened', { roomId, memberId, identity, videoroom: room.id });
        }
        return { token, videoroomId: egress.videoroomId, feedId: egress.feedId, state: stateOf(egress.process?.state) };
      }),
    );
  }

  async closeEgress(roomId: string, memberId: string, identity: string, log: Logger = this.logger): Promise<void> {
    return this.lock.run(`r:${roomId}`, () =>
      janusCall(async () => {
        const key = `${roomId}:${memberId}`;
        const egress = this.egresses.get(key);
        if (!egress) throw new DomainError('NOT_FOUND', `member ${memberId} has no egress open in ${roomId}`);
        requireHolder(egress, identity);
        this.egresses.delete(key);
        const janus = this.janus();
        await egress.stop(janus);
        const room = this.videorooms.get(roomId);
        const use = `egress:${memberId}`;
        const token = this.tokens.tokenOf(roomId, identity);
        if (room && --room.egresses === 0) {
          this.videorooms.delete(roomId);
          await janus?.destroyVideoRoom(room.id, room.secret);
        } else if (room && token && this.tokens.usesOf(roomId, identity).every((u) => u === use || !u.startsWith('egress:'))) {
          // The identity publishes nothing else here (a re-joined seat of its may): out of the room.
          await janus?.allowInVideoRoom(room.id, room.secret, 'remove', [token]);
        }
        log.info('egress closed', { roomId, memberId, identity });
        // Last: the bridge's state is settled whether or not Janus takes the token back now.
        await this.tokens.release(roomId, identity, use);
      }),
    );
  }

  list(): BridgeSummary[] {
    const setup = (openedAt: number, at: number | undefined) => (at ? at - openedAt : 0);
    return [
      ...[...this.ingresses.values()].map((i) => ({
        direction: 'ingress' as const,
        roomId: i.roomId,
        streamId: i.streamId,
        memberId: '',
        identities: [...i.viewers.keys()],
        state: stateOf(i.process.state),
        restarts: i.process.restarts,
        setupMs: setup(i.openedAt, i.process.firstFlowAt),
        pid: i.process.pid,
      })),
      ...[...this.egresses.values()].map((e) => ({
        direction: 'egress' as const,
        roomId: e.roomId,
        streamId: '',
        memberId: e.memberId,
        identities: [e.identity],
        state: stateOf(e.process?.state),
        restarts: e.process?.restarts ?? 0,
        setupMs: setup(e.openedAt, e.process?.firstFlowAt),
        pid: e.process?.pid,
      })),
    ];
  }

  /** Stops every bridge: ffmpeg processes end, and Janus forgets what the bridge made there (when it is still connected). */
  async stopAll(): Promise<void> {
    const janus = this.janus();
    const ingresses = [...this.ingresses.values()];
    const egresses = [...this.egresses.values()];
    this.ingresses.clear();
    this.egresses.clear();
    await Promise.all([...ingresses.map((i) => i.stop(janus).catch(() => undefined)), ...egresses.map((e) => e.stop(janus).catch(() => undefined))]);
    for (const room of this.videorooms.values()) await janus?.destroyVideoRoom(room.id, room.secret).catch(() => undefined);
    this.videorooms.clear();
    this.tokens.forgetAll();
  }

  /** Janus went away: what the bridge made there is gone with it; its media processes go too. */
  async janusLost(): Promise<void> {
    const ingresses = [...this.ingresses.values()];
    const egresses = [...this.egresses.values()];
    this.ingresses.clear();
    this.egresses.clear();
    this.videorooms.clear();
    this.tokens.forgetAll();
    await Promise.all([...ingresses.map((i) => i.process.stop()), ...egresses.map((e) => e.stop(undefined))]);
  }
}

/** Only the identity that opened a member's egress may use it. */
function requireHolder(egress: Egress, identity: string): void {
  if (egress.identity !== identity) throw new DomainError('PERMISSION_DENIED', `member ${egress.memberId}'s egress in ${egress.roomId} is not held by ${identity}`, { why: 'EGRESS_NOT_YOURS' });
}

function stateOf(state: string | undefined): BridgeState {
  return state === 'flowing' ? 'flowing' : state === 'restarting' ? 'restarting' : 'starting';
}

/** Janus's refusals and a lost connection become UNAVAILABLE; the bridge's own errors pass. */
async function janusCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof DomainError) throw err;
    if (err instanceof JanusError) throw new DomainError('UNAVAILABLE', err.message, err.code ? { janusCode: String(err.code) } : {}, { cause: err });
    throw new DomainError('UNAVAILABLE', `Janus did not answer: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err });
  }
}

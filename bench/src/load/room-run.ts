// One room of the churn scenario, run inside a client process: its members connect, join at their
// slots, report push began, then leave one after another, each waiting until it has heard that the
// one before it left. Because every member of a room lives in this process, "everyone else in the
// room was told" is decided here from local timestamps.
import { BenchClient, OpenError } from '../client';
import { nowMs } from '../clock';
import { PUSH_BEGAN, wsUrl, type WireNotice } from '../protocol';
import { countError, type ChurnMemberPlan, type ChurnPlan, type ChurnRoomPlan, type ChurnSamples } from '../pool/messages';
import type { Pacer } from './pacer';

type Phase = 'waiting' | 'connecting' | 'ready' | 'joining' | 'joined' | 'pushed' | 'leaving' | 'done' | 'failed';

class Member {
  phase: Phase = 'waiting';
  client: BenchClient | undefined;
  joinDue = false;
  roomId = '';
  joinSentAt: number | undefined;
  pushSentAt: number | undefined;
  pushOk = false;
  leaveSentAt: number | undefined;
  leaveOk = false;
  closing = false;
  closed = false;
  /** Who should hear of this member's join / push / leave: identities in the room at that moment. */
  joinAudience: string[] = [];
  pushAudience: string[] = [];
  leaveAudience: string[] = [];
  /** When this member heard of another's join / stream / leave, by that one's identity. */
  readonly heardJoin = new Map<string, number>();
  readonly heardStream = new Map<string, number>();
  readonly heardLeft = new Map<string, number>();

  constructor(
    readonly plan: ChurnMemberPlan,
    /** false in the join-leave lifecycle: joined is as far as this member goes before leaving. */
    private readonly pushes: boolean,
  ) {}

  get identity(): string {
    return this.plan.identity;
  }

  get inRoom(): boolean {
    return this.phase === 'joined' || this.phase === 'pushed';
  }

  /** Done with joining and pushing, one way or the other. */
  get settled(): boolean {
    return this.phase === 'pushed' || this.phase === 'failed' || this.phase === 'done' || (!this.pushes && this.phase === 'joined');
  }
}

const missedKey = { join: 'joinNotifyMissed', push: 'pushNotifyMissed', leave: 'leaveNotifyMissed' } as const;
const samplesKey = { join: 'joinNotifyMs', push: 'pushNotifyMs', leave: 'leaveNotifyMs' } as const;

export class RoomRun {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly members: Member[];
  private readonly byIdentity = new Map<string, Member>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private leaveOrder: Member[] = [];
  private leaveIndex = -1;
  private leaving = false;
  private finished = false;
  private leaveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly room: ChurnRoomPlan,
    private readonly plan: ChurnPlan,
    private readonly out: ChurnSamples,
    pacer: Pacer,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.members = room.members.map((p) => new Member(p, plan.lifecycle === 'full'));
    for (const m of this.members) {
      this.byIdentity.set(m.identity, m);
      pacer.add(plan.t0 + m.plan.connectOffsetMs, () => this.connect(m));
      pacer.add(plan.t0 + m.plan.joinOffsetMs, () => this.joinDue(m));
    }
    out.joinsPlanned += this.members.length;
  }

  /** Stops the room where it stands (the run's deadline passed) and closes its sockets. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.out.roomsUnfinished++;
    this.clearTimers();
    await Promise.all(this.members.map((m) => m.client?.close(1000)));
    this.resolveDone();
  }

  private connect(m: Member): void {
    if (this.finished) return;
    m.phase = 'connecting';
    BenchClient.open(wsUrl(this.plan.address, m.plan.token), m.identity, {
      timeoutMs: this.plan.connectTimeoutMs,
      onNotice: (notice, at) => this.onNotice(m, notice, at),
      onClose: () => this.onClosed(m),
    }).then(
      (client) => {
        m.client = client;
        if (this.finished) {
          void client.close(500);
          return;
        }
        this.out.connectMs.push(client.welcomedAt - client.openedAt);
        m.phase = 'ready';
        if (m.joinDue) void this.join(m);
      },
      (err: unknown) => this.fail(m, 'connect', err instanceof OpenError ? err.code : 'BENCH_SOCKET'),
    );
  }

  private joinDue(m: Member): void {
    m.joinDue = true;
    if (m.phase === 'ready') void this.join(m);
  }

  private async join(m: Member): Promise<void> {
    m.phase = 'joining';
    const request = {
      joinRoom: { roomName: this.room.name, createIfMissing: true, createOptions: { maxMembers: this.plan.maxMembers } },
    };
    const reply = await m.client!.request(request, this.plan.requestTimeoutMs);
    if (this.finished) return;
    m.joinSentAt = reply.sentAt;
    this.out.joinLateMs.push(Math.max(0, reply.sentAt - (this.plan.t0 + m.plan.joinOffsetMs)));
    this.out.firstJoinSentAt = Math.min(this.out.firstJoinSentAt ?? reply.sentAt, reply.sentAt);
    const joined = reply.frame.joinRoom;
    if (!joined) return this.fail(m, 'join', reply.frame.error?.code ?? 'BENCH_BAD_REPLY');
    this.out.joinsAcked++;
    this.out.joinAckMs.push(reply.at - reply.sentAt);
    this.out.lastJoinAckAt = Math.max(this.out.lastJoinAckAt ?? reply.at, reply.at);
    m.roomId = joined.room?.id ?? joined.member?.roomId ?? '';
    m.client!.noteSeq(m.roomId, joined.seq);
    m.joinAudience = (joined.members ?? [])
      .map((x) => x.identity ?? '')
      .filter((id) => id !== m.identity && this.byIdentity.has(id));
    m.phase = 'joined';
    if (this.plan.lifecycle === 'full') this.later(this.plan.pushDelayMs, () => void this.push(m));
    else this.maybeStartLeaving();
  }

  private async push(m: Member): Promise<void> {
    if (m.phase !== 'joined' || m.client!.closed) return;
    m.pushAudience = this.members.filter((y) => y !== m && y.inRoom).map((y) => y.identity);
    m.pushSentAt = nowMs();
    const reply = await m.client!.request({ reportPusherEvent: { roomId: m.roomId, code: PUSH_BEGAN } }, this.plan.requestTimeoutMs);
    if (this.finished) return;
    if (reply.frame.reportPusherEvent) {
      m.pushOk = true;
      this.out.pushAckMs.push(reply.at - reply.sentAt);
    } else {
      countError(this.out.errors, `push:${reply.frame.error?.code ?? 'BENCH_BAD_REPLY'}`);
    }
    if (m.phase === 'joined') m.phase = 'pushed';
    this.maybeStartLeaving();
  }

  private onNotice(m: Member, notice: WireNotice, at: number): void {
    if (notice.memberJoined) {
      const id = notice.memberJoined.member?.identity;
      if (id && !m.heardJoin.has(id)) m.heardJoin.set(id, at);
    } else if (notice.streamStarted) {
      const id = notice.streamStarted.member?.identity;
      if (id && notice.streamStarted.playUrl?.rtcUrl && !m.heardStream.has(id)) m.heardStream.set(id, at);
    } else if (notice.memberLeft) {
      const id = notice.memberLeft.member?.identity;
      if (id && !m.heardLeft.has(id)) m.heardLeft.set(id, at);
      if (this.leaving) {
        const k = this.leaveOrder.indexOf(m);
        if (k > 0 && this.leaveOrder[k - 1].identity === id) this.leaveNext(k);
      }
    }
    if (!this.leaving) this.maybeStartLeaving();
  }

  /** Leaving starts once everyone has joined and pushed (or failed), the dwell time has passed and the notices are in. */
  private maybeStartLeaving(): void {
    if (this.leaving || this.finished || !this.members.every((m) => m.settled)) return;
    const firstJoin = Math.min(...this.members.map((m) => m.plan.joinOffsetMs));
    const dwellAt = this.plan.t0 + firstJoin + this.plan.dwellMs;
    const lastPush = Math.max(0, ...this.members.map((m) => m.pushSentAt ?? 0));
    const readyAt = this.allNoticesHeard() ? dwellAt : Math.max(dwellAt, lastPush + this.plan.noticeTimeoutMs);
    const wait = readyAt - nowMs();
    if (wait <= 0) return this.startLeaving();
    if (this.leaveTimer) this.clearTimer(this.leaveTimer);
    this.leaveTimer = this.later(wait, () => this.maybeStartLeaving());
  }

  private allNoticesHeard(): boolean {
    return this.members.every(
      (x) =>
        x.joinAudience.every((id) => this.byIdentity.get(id)!.heardJoin.has(x.identity)) &&
        x.pushAudience.every((id) => this.byIdentity.get(id)!.heardStream.has(x.identity)),
    );
  }

  private startLeaving(): void {
    this.leaving = true;
    this.leaveOrder = this.members.filter((m) => m.inRoom);
    this.leaveNext(0);
  }

  /** Sends the k-th leave; the (k+1)-th follows when its member hears of it, or after noticeTimeoutMs. */
  private leaveNext(k: number): void {
    if (k <= this.leaveIndex || this.finished) return;
    this.leaveIndex = k;
    if (k >= this.leaveOrder.length) return this.checkFinished();
    const m = this.leaveOrder[k];
    if (!m.inRoom || !m.client || m.client.closed) return this.leaveNext(k + 1);
    m.phase = 'leaving';
    m.leaveAudience = this.leaveOrder.slice(k + 1).filter((y) => y.inRoom && !y.client?.closed).map((y) => y.identity);
    this.later(this.plan.noticeTimeoutMs, () => this.leaveNext(k + 1));
    m.leaveSentAt = nowMs();
    void m.client.request({ leaveRoom: { roomId: m.roomId } }, this.plan.requestTimeoutMs).then((reply) => {
      if (this.finished) return;
      if (reply.frame.leaveRoom) {
        m.leaveOk = true;
        this.out.leaveAckMs.push(reply.at - reply.sentAt);
      } else {
        countError(this.out.errors, `leave:${reply.frame.error?.code ?? 'BENCH_BAD_REPLY'}`);
        this.leaveNext(k + 1);
      }
      m.phase = 'done';
      // join-leave: the socket stays open until the run is answered (closeHeld), outside the CPU window.
      if (this.plan.lifecycle === 'full') this.closeMember(m);
      else this.checkFinished();
    });
  }

  /** Closes the sockets the join-leave lifecycle kept open after their members left. */
  async closeHeld(): Promise<void> {
    await Promise.all(this.members.filter((m) => m.client && !m.client.closed && !m.closing).map((m) => ((m.closing = true), m.client!.close())));
  }

  private fail(m: Member, phase: string, code: string): void {
    countError(this.out.errors, `${phase}:${code}`);
    m.phase = 'failed';
    this.closeMember(m);
    this.maybeStartLeaving();
  }

  private onClosed(m: Member): void {
    if (this.finished || m.closing) return;
    countError(this.out.errors, 'socket:CLOSED_BY_SERVER');
    m.phase = 'failed';
    m.closing = true;
    m.closed = true;
    this.maybeStartLeaving();
    this.checkFinished();
  }

  private closeMember(m: Member): void {
    if (m.closing) return;
    m.closing = true;
    if (!m.client) {
      m.closed = true;
      return this.checkFinished();
    }
    void m.client.close().then(() => {
      m.closed = true;
      this.checkFinished();
    });
  }

  private checkFinished(): void {
    if (this.finished) return;
    const held = this.plan.lifecycle === 'join-leave';
    if (!this.members.every((m) => (m.phase === 'done' && (m.closed || held)) || (m.phase === 'failed' && m.closed))) return;
    this.finished = true;
    this.clearTimers();
    this.record();
    this.resolveDone();
  }

  /** Turns the room's timestamps into samples: each event's latency is until the LAST member told. */
  private record(): void {
    for (const x of this.members) {
      this.out.seqGaps += x.client?.seqGaps ?? 0;
      if (x.joinSentAt !== undefined && x.roomId) {
        this.sample(x.joinAudience, (y) => y.heardJoin.get(x.identity), x.joinSentAt, 'join');
      }
      if (x.pushOk && x.pushSentAt !== undefined) {
        this.sample(x.pushAudience, (y) => y.heardStream.get(x.identity), x.pushSentAt, 'push');
      }
      if (x.leaveOk && x.leaveSentAt !== undefined) {
        this.sample(x.leaveAudience, (y) => y.heardLeft.get(x.identity), x.leaveSentAt, 'leave');
      }
    }
  }

  private sample(audience: string[], heardAt: (y: Member) => number | undefined, since: number, kind: 'join' | 'push' | 'leave'): void {
    if (audience.length === 0) return;
    let last = since;
    for (const id of audience) {
      const at = heardAt(this.byIdentity.get(id)!);
      if (at === undefined) {
        this.out[missedKey[kind]]++;
        return;
      }
      last = Math.max(last, at);
    }
    this.out[samplesKey[kind]].push(last - since);
  }

  private later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, Math.max(0, ms));
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

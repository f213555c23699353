// What the harness and its client processes say to each other over the fork IPC channel. Times are
// absolute nowMs() values (CLOCK_MONOTONIC, shared by every process) unless named *OffsetMs.

export interface ChurnMemberPlan {
  identity: string;
  token: string;
  /** When to open the WebSocket, relative to the plan's t0. */
  connectOffsetMs: number;
  /** When to send joinRoom, relative to t0 (sent on welcome instead if the welcome comes later). */
  joinOffsetMs: number;
}

export interface ChurnRoomPlan {
  name: string;
  members: ChurnMemberPlan[];
}

export interface ChurnPlan {
  address: string;
  t0: number;
  /** Nothing runs past this; what has not finished by then is counted as unfinished. */
  deadlineAt: number;
  rooms: ChurnRoomPlan[];
  maxMembers: number;
  /** From join acknowledged to reporting push began (1002), as a <live-pusher> takes a moment. */
  pushDelayMs: number;
  /** From the room's first join to its first leave. */
  dwellMs: number;
  /** How long a notice may take before it counts as missed. */
  noticeTimeoutMs: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** `join-leave`: no push began, and sockets stay open after the leaves until the run is answered. */
  lifecycle: 'full' | 'join-leave';
}

/** Raw samples of one client process; the harness merges them and summarizes. */
export interface ChurnSamples {
  joinsPlanned: number;
  joinsAcked: number;
  firstJoinSentAt: number | null;
  lastJoinAckAt: number | null;
  connectMs: number[];
  /** How late each join was sent against its slot: shows when the clients could not keep the pace. */
  joinLateMs: number[];
  joinAckMs: number[];
  joinNotifyMs: number[];
  pushAckMs: number[];
  pushNotifyMs: number[];
  leaveAckMs: number[];
  leaveNotifyMs: number[];
  /** Events after which some member that should have heard of it never did (within noticeTimeoutMs). */
  joinNotifyMissed: number;
  pushNotifyMissed: number;
  leaveNotifyMissed: number;
  /** "phase:CODE" -> count, e.g. "join:ROOM_FULL", "connect:BENCH_TIMEOUT". */
  errors: Record<string, number>;
  seqGaps: number;
  roomsUnfinished: number;
}

export interface IdlePlan {
  address: string;
  clients: { identity: string; token: string }[];
  /** Connections opened per second by this process. */
  connectRate: number;
  /** Handshakes in flight at most. */
  maxPending: number;
  heartbeatMs: number;
  connectTimeoutMs: number;
  deadlineAt: number;
}

export interface IdleOpened {
  opened: number;
  failed: number;
  errors: Record<string, number>;
  connectMs: number[];
}

export interface IdleClosed {
  pingRttMs: number[];
  pingFailures: number;
  /** Connections the server dropped while they were idle and heartbeating. */
  droppedWhileIdle: number;
}

export interface ResumeMember {
  identity: string;
  token: string;
  room: string;
}

/** The resume storm (scenarios/resume-storm.ts): members seated on one gateway resume on another. */
export interface ResumePlan {
  /** The gateway the members are seated on (the one that will go away). */
  from: string;
  /** The gateway they resume on. */
  to: string;
  members: ResumeMember[];
  /** Seats taken per second by this process, and handshakes in flight at most. */
  seatRate: number;
  maxPending: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Reconnect attempts per member after the drop, with the SDK's back-off between them. */
  maxAttempts: number;
  deadlineAt: number;
  /** The members do not come back after the drop (their devices went with the gateway). */
  stayAway?: boolean;
}

export interface ResumeSeated {
  seated: number;
  failed: number;
  errors: Record<string, number>;
}

/** Raw samples of one client process's members after the drop. */
export interface ResumeSamples {
  dropped: number;
  /** Welcomed again with resumed = true, and their seat synced. */
  resumed: number;
  /** Welcomed with a new session (the old one was not taken back). */
  notResumed: number;
  /** Resumed, but their seat was no longer in the welcome. */
  seatsLost: number;
  /** Never welcomed again within the attempts and the deadline. */
  failed: number;
  /** Reconnect attempts that failed before a later one was welcomed. */
  retries: number;
  /** Reconnects a busy gateway sent away to come back later (admission control: not failures). */
  sentAway: number;
  /** Members whose welcome came after a wait in line (the gateway said `waiting`). */
  waited: number;
  firstDropAt: number | null;
  lastSyncedAt: number | null;
  /** From the drop to the welcome (the told or backed-off wait included). */
  dropToWelcomeMs: number[];
  /** From the new socket's open to its welcome: the servers' part of a resume. */
  connectToWelcomeMs: number[];
  /** From the welcome to the seat synced (syncRoom answered). */
  syncMs: number[];
  /** From the drop to the seat synced. */
  dropToSyncedMs: number[];
  errors: Record<string, number>;
}

export type ToWorker =
  | { kind: 'churn'; plan: ChurnPlan }
  | { kind: 'idle-open'; plan: IdlePlan }
  | { kind: 'idle-close' }
  | { kind: 'resume-seat'; plan: ResumePlan }
  | { kind: 'resume-collect' }
  | { kind: 'resume-close' }
  | { kind: 'exit' };

export type FromWorker =
  | { kind: 'churn-done'; samples: ChurnSamples }
  | { kind: 'idle-opened'; result: IdleOpened }
  | { kind: 'idle-closed'; result: IdleClosed }
  | { kind: 'resume-seated'; result: ResumeSeated }
  | { kind: 'resume-collected'; samples: ResumeSamples }
  | { kind: 'resume-closed' }
  | { kind: 'failed'; message: string };

export function emptyChurnSamples(): ChurnSamples {
  return {
    joinsPlanned: 0,
    joinsAcked: 0,
    firstJoinSentAt: null,
    lastJoinAckAt: null,
    connectMs: [],
    joinLateMs: [],
    joinAckMs: [],
    joinNotifyMs: [],
    pushAckMs: [],
    pushNotifyMs: [],
    leaveAckMs: [],
    leaveNotifyMs: [],
    joinNotifyMissed: 0,
    pushNotifyMissed: 0,
    leaveNotifyMissed: 0,
    errors: {},
    seqGaps: 0,
    roomsUnfinished: 0,
  };
}

export function countError(errors: Record<string, number>, key: string, by = 1): void {
  errors[key] = (errors[key] ?? 0) + by;
}

/** Merges the samples of several client processes into one. */
export function mergeChurnSamples(parts: readonly ChurnSamples[]): ChurnSamples {
  const out = emptyChurnSamples();
  for (const p of parts) {
    out.joinsPlanned += p.joinsPlanned;
    out.joinsAcked += p.joinsAcked;
    out.firstJoinSentAt = minOf(out.firstJoinSentAt, p.firstJoinSentAt);
    out.lastJoinAckAt = maxOf(out.lastJoinAckAt, p.lastJoinAckAt);
    for (const key of ['connectMs', 'joinLateMs', 'joinAckMs', 'joinNotifyMs', 'pushAckMs', 'pushNotifyMs', 'leaveAckMs', 'leaveNotifyMs'] as const) {
      for (const v of p[key]) out[key].push(v);
    }
    out.joinNotifyMissed += p.joinNotifyMissed;
    out.pushNotifyMissed += p.pushNotifyMissed;
    out.leaveNotifyMissed += p.leaveNotifyMissed;
    for (const [k, v] of Object.entries(p.errors)) countError(out.errors, k, v);
    out.seqGaps += p.seqGaps;
    out.roomsUnfinished += p.roomsUnfinished;
  }
  return out;
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}

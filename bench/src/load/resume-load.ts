// A client process's share of the resume storm: seat its members on one gateway, then, when that
// gateway goes away, do what the SDK does: reconnect to the other with the resume token (after the
// goAway's delay, or the SDK's first back-off on a plain drop), and sync each seat the welcome lists
// from the last seq seen. Reports how long each step took.
import { backoffDelay } from '@rtcroom/sdk';
import { BenchClient, OpenError } from '../client';
import { nowMs, sleep, waitUntil } from '../clock';
import { seqOf, wsUrl } from '../protocol';
import { countError, type ResumeMember, type ResumePlan, type ResumeSamples, type ResumeSeated } from '../pool/messages';

interface Seated {
  member: ResumeMember;
  client: BenchClient;
  roomId: string;
  /** Settled once the member is back (or has given up). */
  done: boolean;
}

export function emptyResumeSamples(): ResumeSamples {
  return {
    dropped: 0,
    resumed: 0,
    notResumed: 0,
    seatsLost: 0,
    failed: 0,
    retries: 0,
    sentAway: 0,
    waited: 0,
    firstDropAt: null,
    lastSyncedAt: null,
    dropToWelcomeMs: [],
    connectToWelcomeMs: [],
    syncMs: [],
    dropToSyncedMs: [],
    errors: {},
  };
}

export class ResumeHolder {
  private readonly seated: Seated[] = [];
  private readonly samples = emptyResumeSamples();
  private plan: ResumePlan | undefined;
  private closing = false;

  async seat(plan: ResumePlan): Promise<ResumeSeated> {
    this.plan = plan;
    const result: ResumeSeated = { seated: 0, failed: 0, errors: {} };
    let pending = 0;
    let started = 0;
    const startAt = nowMs();
    while (started < plan.members.length && nowMs() < plan.deadlineAt) {
      const due = Math.min(plan.members.length, Math.floor(((nowMs() - startAt) * plan.seatRate) / 1000) + 1);
      while (started < due && pending < plan.maxPending) {
        const member = plan.members[started++];
        pending++;
        this.seatOne(plan, member)
          .then(
            () => result.seated++,
            (err: Error & { code?: string }) => {
              result.failed++;
              countError(result.errors, err.code ?? 'BENCH_SOCKET');
            },
          )
          .finally(() => pending--);
      }
      await sleep(2);
    }
    await waitUntil(() => pending === 0, Math.max(0, plan.deadlineAt - nowMs()) + plan.connectTimeoutMs);
    result.failed += plan.members.length - started;
    return result;
  }

  private async seatOne(plan: ResumePlan, member: ResumeMember): Promise<void> {
    const seat: Partial<Seated> = { member, done: false };
    const client = await BenchClient.open(wsUrl(plan.from, member.token), member.identity, {
      timeoutMs: plan.connectTimeoutMs,
      onClose: () => {
        if (!seat.roomId || this.closing) return;
        if (plan.stayAway) {
          this.samples.dropped++;
          seat.done = true;
        } else void this.resume(seat as Seated);
      },
    }).catch((err: unknown) => {
      throw Object.assign(new Error('connect'), { code: `connect:${err instanceof OpenError ? err.code : 'BENCH_SOCKET'}` });
    });
    seat.client = client;
    const reply = await client.request({ joinRoom: { roomName: member.room, createIfMissing: true, createOptions: { maxMembers: 6 } } }, plan.requestTimeoutMs);
    const joined = reply.frame.joinRoom;
    if (!joined?.room?.id) {
      await client.close(1000);
      throw Object.assign(new Error('join'), { code: `join:${reply.frame.error?.code ?? 'BENCH_BAD_REPLY'}` });
    }
    client.noteSeq(joined.room.id, joined.seq);
    seat.roomId = joined.room.id;
    this.seated.push(seat as Seated);
  }

  /** The member's socket is gone: back to the other gateway with the resume token, as the SDK goes. */
  private async resume(seat: Seated): Promise<void> {
    const plan = this.plan!;
    const s = this.samples;
    const droppedAt = nowMs();
    s.dropped++;
    s.firstDropAt = s.firstDropAt === null ? droppedAt : Math.min(s.firstDropAt, droppedAt);
    const old = seat.client;
    const resumeToken = old.welcome.resumeToken;
    const afterSeq = old.seqAt(seat.roomId) ?? 0;
    let sentAwayFor: number | undefined;
    let waited = false;
    for (let attempt = 0; attempt < plan.maxAttempts; attempt++) {
      const delayMs = sentAwayFor ?? (attempt === 0 && old.goAwayAfterMs !== undefined ? old.goAwayAfterMs : backoffDelay(attempt));
      await sleep(delayMs);
      if (this.closing || nowMs() > plan.deadlineAt) break;
      let client: BenchClient;
      try {
        client = await BenchClient.open(wsUrl(plan.to, seat.member.token, resumeToken), seat.member.identity, {
          timeoutMs: plan.connectTimeoutMs,
          onWaiting: () => (waited = true),
        });
      } catch (err) {
        // Sent away by a busy gateway (admission control): back when it said, as the SDK comes.
        sentAwayFor = err instanceof OpenError ? err.retryAfterMs : undefined;
        if (sentAwayFor !== undefined) s.sentAway++;
        else {
          countError(s.errors, `resume:${err instanceof OpenError ? err.code : 'BENCH_SOCKET'}`);
          s.retries++;
        }
        continue;
      }
      if (waited) s.waited++;
      seat.client = client;
      s.dropToWelcomeMs.push(client.welcomedAt - droppedAt);
      s.connectToWelcomeMs.push(client.welcomedAt - client.openedAt);
      if (!client.welcome.resumed) {
        s.notResumed++;
        seat.done = true;
        return;
      }
      const held = (client.welcome.seats ?? []).find((x) => x.roomId === seat.roomId);
      if (!held) {
        s.seatsLost++;
        seat.done = true;
        return;
      }
      const reply = await client.request({ syncRoom: { roomId: seat.roomId, afterSeq: String(afterSeq) } }, plan.requestTimeoutMs);
      if (!reply.frame.syncRoom) {
        countError(s.errors, `sync:${reply.frame.error?.code ?? 'BENCH_BAD_REPLY'}`);
        seat.done = true;
        s.failed++;
        return;
      }
      for (const notice of reply.frame.syncRoom.notices ?? []) client.noteSeq(seat.roomId, notice.seq);
      client.noteSeq(seat.roomId, seqOf(held.seq));
      const syncedAt = nowMs();
      s.syncMs.push(syncedAt - client.welcomedAt);
      s.dropToSyncedMs.push(syncedAt - droppedAt);
      s.lastSyncedAt = Math.max(s.lastSyncedAt ?? syncedAt, syncedAt);
      s.resumed++;
      seat.done = true;
      return;
    }
    s.failed++;
    seat.done = true;
  }

  /** Waits until every member seated has been dropped and is back (or gave up), or the deadline. */
  async collect(): Promise<ResumeSamples> {
    const plan = this.plan!;
    await waitUntil(() => this.seated.every((x) => x.done), Math.max(0, plan.deadlineAt - nowMs()));
    const unfinished = this.seated.filter((x) => !x.done).length;
    if (unfinished > 0) countError(this.samples.errors, 'resume:BENCH_DEADLINE', unfinished);
    return this.samples;
  }

  /** Ends every session politely (close 1000), so the run leaves nothing seated. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.seated.map((x) => x.client.close(1000)));
  }
}

/** Merges the samples of several client processes into one. */
export function mergeResumeSamples(parts: readonly ResumeSamples[]): ResumeSamples {
  const out = emptyResumeSamples();
  for (const p of parts) {
    for (const key of ['dropped', 'resumed', 'notResumed', 'seatsLost', 'failed', 'retries', 'sentAway', 'waited'] as const) out[key] += p[key];
    for (const key of ['dropToWelcomeMs', 'connectToWelcomeMs', 'syncMs', 'dropToSyncedMs'] as const) for (const v of p[key]) out[key].push(v);
    if (p.firstDropAt !== null) out.firstDropAt = out.firstDropAt === null ? p.firstDropAt : Math.min(out.firstDropAt, p.firstDropAt);
    if (p.lastSyncedAt !== null) out.lastSyncedAt = out.lastSyncedAt === null ? p.lastSyncedAt : Math.max(out.lastSyncedAt, p.lastSyncedAt);
    for (const [k, v] of Object.entries(p.errors)) countError(out.errors, k, v);
  }
  return out;
}

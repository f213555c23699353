// rtcroom events tail: a room's events as they happen, in seq order, from RoomService.ListRoomEvents.
// Asking from the last seq printed is what makes it gap-free: after a lost connection or a restart
// of the room service it goes on from there, and --after-seq resumes a tail that was stopped. (The
// events are also on NATS JetStream, but an operator's machine gets the admin gRPC port, not the bus.)
import { setTimeout as sleep } from 'node:timers/promises';
import { roomEventv1, roomv1 } from '@rtcroom/proto';
import { CliError } from '../cli-error';
import { command, CommandContext, group } from '../command-tree';
import { enumName, time } from '../output';
import { roomId, wholeNumber } from './arguments';

type RoomEvent = roomEventv1.RoomEvent;

/** member.joined, room.closed, ...: the type webhooks and NATS subjects use. */
export function eventType(e: RoomEvent): string {
  if (e.payload?.$case === 'memberConnectionChanged') return 'member.connection';
  if (e.payload?.$case === 'memberMediaChanged') return 'member.media';
  return (e.payload?.$case ?? 'unknown').replace(/[A-Z]/g, (c) => `.${c.toLowerCase()}`);
}

function details(e: RoomEvent): string {
  const p = e.payload;
  if (!p) return '';
  const who = (m: roomv1.Member | undefined) => m?.identity ?? '';
  switch (p.$case) {
    case 'roomCreated':
    case 'roomUpdated':
      return `${p.value.room?.name ?? ''}${p.value.room?.displayName ? ` "${p.value.room.displayName}"` : ''}`;
    case 'roomClosed':
      return enumName(roomv1.closeReasonToJSON(p.value.reason), 'CLOSE_REASON_');
    case 'memberJoined':
    case 'memberUpdated':
    case 'seatRequested':
      return who(p.value.member);
    case 'seatInvited':
      return `${who(p.value.member)} by ${p.value.byIdentity}`;
    case 'memberRoleChanged':
      return `${who(p.value.member)} ${enumName(roomv1.memberRoleToJSON(p.value.previousRole), 'MEMBER_ROLE_')} -> ${enumName(roomv1.memberRoleToJSON(p.value.member?.role ?? roomv1.MemberRole.MEMBER_ROLE_UNSPECIFIED), 'MEMBER_ROLE_')}`;
    case 'memberLeft':
      return `${who(p.value.member)} (${enumName(roomv1.leaveReasonToJSON(p.value.reason), 'LEAVE_REASON_')}${p.value.reasonText ? `: ${p.value.reasonText}` : ''})`;
    case 'streamStarted':
    case 'streamStopped':
      return who(p.value.member);
    case 'memberConnectionChanged':
      return `${who(p.value.member)} ${p.value.connected ? 'back' : 'interrupted'}`;
    case 'recordingReady':
      return p.value.recording?.url ?? '';
    case 'messageSent': {
      const m = p.value.message;
      const to = m?.recipients.length ? ` to ${m.recipients.join(', ')}` : '';
      const body = m?.body?.$case === 'text' ? JSON.stringify(m.body.value) : m?.body ? `[${m.body.value.topic}, ${m.body.value.payload.length} bytes]` : '';
      return `${m?.senderIdentity || '(system)'}${to}: ${body}`;
    }
    case 'memberMediaChanged': {
      const media = p.value.member?.media;
      const track = (name: string, t: roomv1.TrackState | undefined) =>
        `${name} ${t?.on ? 'on' : 'off'}${t?.muteRequested ? ' (asked off)' : ''}${t?.forbidden ? ' (forbidden)' : ''}`;
      return `${who(p.value.member)} ${track('audio', media?.audio)}, ${track('video', media?.video)} (${enumName(roomv1.mediaChangeReasonToJSON(p.value.reason), 'MEDIA_CHANGE_REASON_')})`;
    }
    case 'callSupervised':
      return `${p.value.supervisorIdentity} ${enumName(roomEventv1.supervisionModeToJSON(p.value.mode), 'SUPERVISION_MODE_')} call ${p.value.callId}`;
  }
}

/** Failures worth waiting out: the service is away for a moment (a restart, a deploy). */
const transient = (err: unknown) => err instanceof CliError && ['UNREACHABLE', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL'].includes(err.code);

async function tail(ctx: CommandContext, room: string, afterSeq: number, count: number | undefined, intervalMs: number): Promise<void> {
  const client = ctx.connection.rooms();
  let after = afterSeq;
  let printed = 0;
  let waitingSince: number | undefined;
  ctx.output.note(`following room ${room} after seq ${after} (Ctrl-C stops)`);
  while (!ctx.signal.aborted) {
    let page;
    try {
      page = await client.listRoomEvents({ roomId: room, afterSeq: after, pageSize: 1000 }, { signal: ctx.signal });
      if (waitingSince !== undefined) ctx.output.note(`reconnected; going on after seq ${after}`);
      waitingSince = undefined;
    } catch (err) {
      if (ctx.signal.aborted) return;
      if (!transient(err)) throw err;
      // Said once, then waited out: the tail goes on from the same seq.
      if (waitingSince === undefined) ctx.output.note(`${(err as CliError).code}: ${(err as Error).message}; retrying after seq ${after}`);
      waitingSince ??= Date.now();
      await sleep(Math.min(5000, intervalMs * 4), undefined, { signal: ctx.signal }).catch(() => undefined);
      continue;
    }
    for (const e of page.events) {
      ctx.output.line(roomEventv1.RoomEvent.toJSON(e), () => `${String(e.seq).padStart(5)}  ${time(e.time)}  ${eventType(e).padEnd(26)}  ${details(e)}`);
      after = e.seq;
      printed++;
      // Nothing comes after a room's closing; --count stops a script's tail.
      if ((count !== undefined && printed >= count) || e.payload?.$case === 'roomClosed') return;
    }
    if (page.events.length === 0 || after >= page.lastSeq) {
      await sleep(intervalMs, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  }
}

export const events = group({
  summary: "A room's events (joins, leaves, streams, updates, closing), in order.",
  children: {
    tail: command({
      summary: "prints a room's events as they happen, until the room closes or Ctrl-C",
      args: '<room>',
      arity: [1, 1],
      details:
        'From now on by default; --from-start prints the room\'s history first, --after-seq N goes on from a\n' +
        'seq a previous tail printed (nothing skipped, nothing twice). With --json, one event per line.',
      flags: {
        'after-seq': { type: 'string', value: 'N', help: 'print the events after this seq' },
        'from-start': { type: 'boolean', help: 'print every event of the room (same as --after-seq 0)' },
        count: { type: 'string', value: 'N', help: 'stop after N events' },
        interval: { type: 'string', value: 'MS', help: 'how often to ask for new events (default 500)' },
      },
      async run(ctx, [ref], flags) {
        const given = wholeNumber(flags, 'after-seq');
        const count = wholeNumber(flags, 'count', { min: 1 });
        const intervalMs = wholeNumber(flags, 'interval', { min: 50, max: 60_000 }) ?? 500;
        const id = await roomId(ctx, ref);
        const afterSeq = flags['from-start'] ? 0 : (given ?? (await ctx.connection.rooms().getRoom({ roomId: id, name: '' })).seq);
        await tail(ctx, id, afterSeq, count, intervalMs);
      },
    }),
  },
});

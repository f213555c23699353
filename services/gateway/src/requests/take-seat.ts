// Taking a seat (a join, placing a call, accepting one): the room's notices are held from before the
// call until its answer has gone out, so the client gets the answer first and then every notice after
// its seq, none missed and none twice.
import { isDomainError } from '@rtcroom/common';
import { mediav1, roomv1 } from '@rtcroom/proto';
import { RequestContext } from './request-context';

export interface SeatTaken {
  room?: roomv1.Room;
  member?: roomv1.Member;
  members: roomv1.Member[];
  seq: number;
  /** The streams the room service says the caller plays (the publishing members' but its own). */
  playStreamIds?: string[];
  /** Play URLs the room service got for the caller already (a join's); the rest are asked for here. */
  playUrls?: mediav1.PlayUrl[];
  /** Play URLs the answer carries besides (a sync's notices'): followed like the others when they wait for the bridge. */
  otherPlayUrls?: mediav1.PlayUrl[];
}

const maxStreamsPerCall = 100;

const inDoubt = new Set(['UNAVAILABLE', 'INTERNAL', 'DEADLINE_EXCEEDED']);

export async function takeSeat<T extends SeatTaken>(
  ctx: RequestContext,
  take: () => Promise<T>,
  answer: (taken: T, playUrls: mediav1.PlayUrl[]) => void,
  /** The room the request names, when it names one: listened to before the request goes out. */
  roomId?: string,
): Promise<void> {
  const { conn, fanout } = ctx;
  const ticket = await fanout.beginJoin(conn, roomId);
  const askedAt = fanout.metrics?.seatAsked() ?? 0;
  let taken: T;
  let playUrls: mediav1.PlayUrl[];
  try {
    taken = await take();
    const kind = taken.member?.kind ?? ctx.conn.kind;
    playUrls = taken.room ? await playUrlsFor(ctx, taken.room.id, taken.playStreamIds ?? [], taken.playUrls ?? [], kind) : [];
  } catch (err) {
    // A refusal is an answer; a timeout or an unreachable service may have left a seat behind.
    if (!isDomainError(err) || inDoubt.has(err.reason)) conn.seatInDoubt = true;
    fanout.metrics?.seatAnswered(askedAt, null);
    await fanout.endJoin(conn, ticket, null);
    throw err;
  }
  fanout.metrics?.seatAnswered(askedAt, taken.room && taken.member ? { roomId: taken.room.id, seq: taken.seq } : null);
  if (!taken.room || !taken.member) {
    await fanout.endJoin(conn, ticket, null, () => answer(taken, playUrls));
    return;
  }
  const seat = { roomId: taken.room.id, memberId: taken.member.memberId, lastSeq: taken.seq, kind: taken.member.kind };
  await fanout.endJoin(conn, ticket, seat, () => answer(taken, playUrls), [...playUrls, ...(taken.otherPlayUrls ?? [])]);
}

/**
 * Play URLs, signed for this client and its kind, of the streams the room service says it plays: those
 * it brought are used as they are, the rest asked for in one call (the gateway decides no room rule here).
 */
export async function playUrlsFor(
  ctx: RequestContext,
  roomId: string,
  streamIds: string[],
  given: mediav1.PlayUrl[],
  kind: mediav1.ClientKind = ctx.conn.kind,
  withoutSeat = false,
): Promise<mediav1.PlayUrl[]> {
  const have = new Map(given.filter((u) => u.viewerIdentity === ctx.conn.identity).map((u) => [u.streamId, u]));
  const missing = streamIds.filter((id) => !have.has(id));
  // The issuer signs at most this many streams per call.
  for (let i = 0; i < missing.length; i += maxStreamsPerCall) {
    const streamIds = missing.slice(i, i + maxStreamsPerCall);
    const { playUrls } = await ctx.backends.urls.issueViewerPlayUrls({ roomId, viewerIdentity: ctx.conn.identity, streamIds, viewerKind: kind, withoutSeat });
    for (const u of playUrls) have.set(u.streamId, u);
  }
  return streamIds.map((id) => have.get(id)).filter((u): u is mediav1.PlayUrl => u !== undefined);
}

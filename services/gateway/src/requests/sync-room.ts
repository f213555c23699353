// Getting back in step with a room after a resume or a gap: the notices after the client's seq (or a
// snapshot when they are too many), then live notices from there on, as for a join. The play URLs of
// the streams started among the replayed notices are signed in one call, whatever their number.
import { isDomainError } from '@rtcroom/common';
import { gatewayv1, roomEventv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { noticeFor, startedStream } from '../fanout/room-notices';
import { principalOf, RequestContext } from './request-context';
import { playUrlsFor, takeSeat } from './take-seat';

const maxReplayed = 500;

export async function syncRoom(ctx: RequestContext, req: gatewayv1.SyncRoomRequest): Promise<null> {
  const { conn, backends } = ctx;
  if (!req.roomId) throw new GatewayError('INVALID_ARGUMENT', 'roomId is required');
  await takeSeat(
    ctx,
    async () => {
      const principal = principalOf(conn);
      // The room as it stands (one read: the members, the seq) tells whether anything was missed; a
      // client already at the room's seq (a resume that nothing happened around) needs no replay.
      const snap = await backends.room.getRoom({ roomId: req.roomId, name: '', principal }).catch(async (err: unknown) => {
        // Not seated, so not allowed to read the room: the seat's own lookup names why (NOT_A_MEMBER).
        if (isDomainError(err, 'PERMISSION_DENIED')) await backends.room.getMember({ roomId: req.roomId, identity: conn.identity, streamId: '', principal });
        throw err;
      });
      const member = snap.members.find((m) => m.identity === conn.identity);
      if (!member) throw new GatewayError('NOT_A_MEMBER', `${conn.identity} holds no seat in room ${req.roomId}`);
      let snapshot = req.afterSeq === 0;
      let seq = snap.seq;
      let events: roomEventv1.RoomEvent[] = [];
      if (!snapshot && req.afterSeq < snap.seq) {
        const page = await backends.room.listRoomEvents({ roomId: req.roomId, afterSeq: req.afterSeq, pageSize: maxReplayed, principal });
        snapshot = page.lastSeq - req.afterSeq > page.events.length;
        if (!snapshot) {
          events = page.events.filter((e) => e.seq <= page.lastSeq);
          seq = page.lastSeq;
        }
      }
      // The play URLs of every stream that started among them, signed for this viewer in one call.
      const viewerKind = member.kind;
      const othersStreams = (e: (typeof events)[number]) => {
        const s = startedStream(e);
        return s && s.identity !== conn.identity ? s.streamId : undefined;
      };
      const streamIds = [...new Set(events.map(othersStreams).filter((id): id is string => id !== undefined))];
      const urls = new Map((await playUrlsFor(ctx, req.roomId, streamIds, [], viewerKind)).map((u) => [u.streamId, u]));
      const notices: gatewayv1.RoomNotice[] = [];
      for (const e of events) {
        const streamId = othersStreams(e);
        const notice = noticeFor(e, conn.identity, streamId ? urls.get(streamId) : undefined);
        if (notice) notices.push(notice);
      }
      const otherPlayUrls = notices.flatMap((n) => (n.notice?.$case === 'streamStarted' && n.notice.value.playUrl ? [n.notice.value.playUrl] : []));
      return { room: snap.room, member, members: snap.members, notices, snapshot, seq, playStreamIds: snapshot ? snap.playStreamIds : [], otherPlayUrls };
    },
    (res, playUrls) =>
      conn.reply(ctx.requestId, {
        $case: 'syncRoom',
        value: { room: res.room, members: res.members, notices: res.notices, snapshot: res.snapshot, seq: res.seq, playUrls: res.snapshot ? playUrls : [] },
      }),
    req.roomId,
  );
  return null;
}

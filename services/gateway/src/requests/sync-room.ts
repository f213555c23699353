// Getting back in step with a room after a resume or a gap: the notices after the client's seq (or a
// snapshot when they are too many), then live notices from there on, as for a join.
import { gatewayv1 } from '@rtcroom/proto';
import { GatewayError } from '../errors';
import { noticeFor, startedStream } from '../fanout/room-notices';
import { principalOf, RequestContext } from './request-context';
import { takeSeat } from './take-seat';

const maxReplayed = 500;

export async function syncRoom(ctx: RequestContext, req: gatewayv1.SyncRoomRequest): Promise<null> {
  const { conn, backends } = ctx;
  if (!req.roomId) throw new GatewayError('INVALID_ARGUMENT', 'roomId is required');
  await takeSeat(
    ctx,
    async () => {
      const principal = principalOf(conn);
      const { member } = await backends.room.getMember({ roomId: req.roomId, identity: conn.identity, streamId: '', principal });
      const page = await backends.room.listRoomEvents({ roomId: req.roomId, afterSeq: req.afterSeq, pageSize: maxReplayed, principal });
      const snapshot = req.afterSeq === 0 || page.lastSeq - req.afterSeq > page.events.length;
      const snap = await backends.room.getRoom({ roomId: req.roomId, name: '', principal });
      const events = snapshot ? [] : page.events.filter((e) => e.seq <= page.lastSeq);
      const notices: gatewayv1.RoomNotice[] = [];
      for (const e of events) {
        const started = startedStream(e);
        const playUrl =
          started && started.identity !== conn.identity
            ? (await backends.urls.issuePlayUrls({ roomId: req.roomId, streamId: started.streamId, viewerIdentities: [conn.identity], viewerKinds: [member?.kind ?? conn.kind], waitForMediaMs: 0 }))
                .playUrls[0]
            : undefined;
        const notice = noticeFor(e, conn.identity, playUrl);
        if (notice) notices.push(notice);
      }
      const otherPlayUrls = notices.flatMap((n) => (n.notice?.$case === 'streamStarted' && n.notice.value.playUrl ? [n.notice.value.playUrl] : []));
      return { room: snap.room, member, members: snap.members, notices, snapshot, seq: page.lastSeq, playStreamIds: snapshot ? snap.playStreamIds : [], otherPlayUrls };
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

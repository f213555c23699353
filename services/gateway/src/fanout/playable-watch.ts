// Browser members' play URLs of a bridged stream that plays nothing yet: the url-issuer gives them
// empty (webrtc_unavailable WEBRTC_STARTING) until media flows into the media bridge's WebRTC side.
// The notice or answer that carried such a URL goes out at once - the room's other members and its
// next notices wait for no bridge - and the URL is asked for again here, off the room's delivery
// chain, waiting for media; once it comes, the connection gets it as stream_playable. A watch ends
// when its stream stops, its pusher or the viewer leaves, the room closes, the connection goes, or
// after about a minute without media (the client can ask again by syncing the room).
// A supervisor monitoring a desk call holds no seat: its URLs are asked for seatless and come to it
// as monitor notices (room-fanout.ts), ended with its monitoring. A whisper's URL (a stand-in's
// stream) comes to the agent as a call notice again (call-fanout.ts).
import type { Logger } from '@rtcroom/common';
import { mediav1 } from '@rtcroom/proto';
import type { Backends } from '../backends';
import type { Connection } from '../ws/connection';

/** What PlayUrl.webrtc_unavailable says while the bridge has no media to play. */
export const webrtcStarting = 'WEBRTC_STARTING';
/** How long each ask waits for media (the url-issuer's limit is 8000 ms). */
const waitForMediaMs = 6000;
/** Asks per watch: about a minute in all. */
const attempts = 10;
const pauseAfterErrorMs = 1000;

interface Watch {
  roomId: string;
  streamId: string;
  ended: boolean;
  delivery: Delivery;
}

/** How a playable URL reaches the connection; by default a seat's stream_playable. */
export interface Delivery {
  /** What the asks add: a viewer without a seat the gateway vouched for, a stand-in's stream (IssuePlayUrlsRequest). */
  asking?: { withoutSeat?: boolean; standInMemberId?: string };
  send(conn: Connection, roomId: string, url: mediav1.PlayUrl): void;
}

const streamPlayable: Delivery = {
  send: (conn, roomId, playUrl) => conn.send({ requestId: '', message: { $case: 'streamPlayable', value: { roomId, playUrl } } }),
};

export class PlayableWatch {
  private readonly watches = new Map<Connection, Map<string, Watch>>();

  constructor(
    private readonly urls: Pick<Backends['urls'], 'issuePlayUrls'>,
    private readonly logger: Logger,
  ) {}

  /** Watches those of `playUrls` (given to `conn` for its seat in `roomId`, or as `delivery` says) that wait for media. */
  watch(conn: Connection, roomId: string, playUrls: Iterable<mediav1.PlayUrl | undefined>, delivery: Delivery = streamPlayable): void {
    for (const url of playUrls) {
      if (url?.webrtcUnavailable !== webrtcStarting || url.viewerIdentity !== conn.identity) continue;
      let mine = this.watches.get(conn);
      if (!mine) this.watches.set(conn, (mine = new Map()));
      const key = `${roomId}\0${url.streamId}`;
      if (mine.has(key)) continue;
      const watch: Watch = { roomId, streamId: url.streamId, ended: false, delivery };
      mine.set(key, watch);
      void this.follow(conn, watch).finally(() => {
        watch.ended = true;
        if (mine.get(key) === watch) mine.delete(key);
        if (mine.size === 0 && this.watches.get(conn) === mine) this.watches.delete(conn);
      });
    }
  }

  /** The stream stopped (or its pusher left), as told to `conn`: it is not told the stream plays. */
  streamEnded(conn: Connection, roomId: string, streamId: string): void {
    this.end(this.watches.get(conn)?.get(`${roomId}\0${streamId}`));
  }

  /** The room closed, or the connection's seat in it went. */
  roomEnded(conn: Connection, roomId: string): void {
    for (const w of this.watches.get(conn)?.values() ?? []) if (w.roomId === roomId) this.end(w);
  }

  /** Watches running now (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const mine of this.watches.values()) n += mine.size;
    return n;
  }

  private end(watch: Watch | undefined): void {
    if (watch) watch.ended = true;
  }

  private async follow(conn: Connection, watch: Watch): Promise<void> {
    // Ended by the room's notices as they reach the connection (room-fanout.ts), or by its seat's end.
    const wanted = () => !watch.ended && !conn.closed;
    for (let i = 0; i < attempts && wanted(); i++) {
      try {
        const { playUrls } = await this.urls.issuePlayUrls(
          {
            roomId: watch.roomId,
            streamId: watch.streamId,
            viewerIdentities: [conn.identity],
            viewerKinds: [mediav1.ClientKind.CLIENT_KIND_BROWSER],
            waitForMediaMs,
            ...watch.delivery.asking,
          },
          { timeoutMs: waitForMediaMs + 4000 },
        );
        const url = playUrls[0];
        if (!wanted()) return;
        if (url?.webrtcUrl) {
          watch.delivery.send(conn, watch.roomId, url);
          return;
        }
        // Failed or unavailable now: not for this watch to retry (the client asks again by syncing).
        if (url?.webrtcUnavailable !== webrtcStarting) return;
      } catch (err) {
        this.logger.warn('could not ask whether a bridged stream plays yet', { roomId: watch.roomId, streamId: watch.streamId, err });
        await new Promise((resolve) => setTimeout(resolve, pauseAfterErrorMs));
      }
    }
  }
}

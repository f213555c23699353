// Reads the webrtc_url a self-hosted deployment's media bridge gives a browser member
// (janus+http(s)://..?token=..&mountpoint=..&pin=.. to play, ..?token=..&room=..&feed=.. to publish).

/** Where and how a browser plays or publishes through Janus. */
export interface JanusTarget {
  /** Janus's HTTP API (the URL without `janus+` and without the query). */
  httpUrl: string;
  /** Janus's WebSocket API ('' when the deployment gave none). */
  wsUrl: string;
  /** The member's Janus token: every request to Janus carries it. */
  token: string;
  /** To play: the streaming plugin's mountpoint and its pin ({"request":"watch","id":..,"pin":..}). */
  play?: { mountpointId: number; pin: string };
  /** To publish: the VideoRoom room and the feed id to join as ({"request":"join","ptype":"publisher","room":..,"id":..,"token":..}). */
  publish?: { videoroomId: number; feedId: number };
}

const whole = (value: string | undefined): number | undefined => (value !== undefined && /^\d{1,16}$/.test(value) ? Number(value) : undefined);

/** A query's parameters, decoded; by hand, since mini-programs have no URL class. Undefined when one is malformed. */
function queryOf(query: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    try {
      const key = decodeURIComponent((at < 0 ? pair : pair.slice(0, at)).replace(/\+/g, ' '));
      out[key] = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  return out;
}

/** A janus+http(s) webrtcUrl read into its parts; null when `url` is not one (e.g. Tencent's webrtc://). */
export function parseJanusUrl(url: string): JanusTarget | null {
  const match = /^janus\+(https?:\/\/[^/?#\s]+(?:\/[^?#\s]*)?)\?([^#\s]*)$/.exec(url);
  if (!match) return null;
  const q = queryOf(match[2]!);
  if (!q || !q.token) return null;
  const target: JanusTarget = { httpUrl: match[1]!, wsUrl: q.ws ?? '', token: q.token };
  const mountpointId = whole(q.mountpoint);
  const videoroomId = whole(q.room);
  const feedId = whole(q.feed);
  if (mountpointId !== undefined) target.play = { mountpointId, pin: q.pin ?? '' };
  else if (videoroomId !== undefined && feedId !== undefined) target.publish = { videoroomId, feedId };
  else return null;
  return target;
}

// The webrtc_url a browser member gets from a self-hosted deployment's media bridge: Janus's public
// HTTP API with `janus+` before its scheme, and in its query what the browser needs there.
//   play:    janus+http(s)://<janus>/janus?token=..&mountpoint=..&pin=..&ws=<Janus's WebSocket URL>
//   publish: janus+http(s)://<janus>/janus?token=..&room=..&feed=..&ws=<Janus's WebSocket URL>
// The SDK reads it back with parseJanusUrl (packages/sdk/src/rooms/janus-url.ts).

/** How a browser reaches Janus (the bridge's JanusAccess). */
export interface JanusAccess {
  httpUrl: string;
  wsUrl: string;
  token: string;
}

function janusUrl(access: JanusAccess, target: Record<string, string>): string {
  if (!/^https?:\/\//.test(access.httpUrl)) throw new Error(`the bridge's Janus HTTP URL is not http(s): "${access.httpUrl}"`);
  const query = new URLSearchParams({ token: access.token, ...target });
  if (access.wsUrl) query.set('ws', access.wsUrl);
  return `janus+${access.httpUrl}?${query.toString()}`;
}

/** A browser's play URL: watch this streaming mountpoint with its pin. */
export function janusPlayUrl(access: JanusAccess, mountpointId: number, pin: string): string {
  return janusUrl(access, { mountpoint: String(mountpointId), pin });
}

/** A browser's push URL: join this VideoRoom as a publisher with this feed id. */
export function janusPublishUrl(access: JanusAccess, videoroomId: number, feedId: number): string {
  return janusUrl(access, { room: String(videoroomId), feed: String(feedId) });
}

// A Janus session with one plugin handle, over Janus's HTTP API (fetch and its long-poll): what the
// console needs to play a streaming-plugin mountpoint and to publish into a VideoRoom, and no more.
// Every request carries the member's token (Janus's token authentication: rtcroom issues one per
// member and room). Non-trickle: the console sends its SDP once its candidates are gathered.

export interface JanusEvent {
  janus: string;
  jsep?: RTCSessionDescriptionInit;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  /** create and attach answer with the new session's or handle's id. */
  data?: { id: number };
  error?: { code: number; reason: string };
}

/** Janus answered with an error (its code and reason, e.g. 403 unauthorized for a stale token). */
export class JanusError extends Error {
  constructor(readonly code: number, reason: string) {
    super(`Janus ${code}: ${reason}`);
  }
}

const transaction = () => Math.random().toString(36).slice(2);

export class JanusSession {
  private readonly queue: JanusEvent[] = [];
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  private constructor(
    private readonly httpUrl: string,
    private readonly token: string,
    private readonly sessionId: number,
    private readonly handleId: number,
  ) {
    this.keepalive = setInterval(() => void this.post(`/${sessionId}`, { janus: 'keepalive' }).catch(() => undefined), 15_000);
  }

  /** Creates a session and attaches `plugin` (janus.plugin.streaming or janus.plugin.videoroom). */
  static async open(httpUrl: string, token: string, plugin: string): Promise<JanusSession> {
    const post = (path: string, body: Record<string, unknown>) => postJanus(httpUrl, token, path, body);
    const session = await post('', { janus: 'create' });
    const sessionId = session.data?.id;
    if (!sessionId) throw new Error('Janus created no session');
    const handle = await post(`/${sessionId}`, { janus: 'attach', plugin });
    if (!handle.data?.id) throw new Error(`Janus attached no ${plugin} handle`);
    return new JanusSession(httpUrl, token, sessionId, handle.data.id);
  }

  private post(path: string, body: Record<string, unknown>): Promise<JanusEvent> {
    return postJanus(this.httpUrl, this.token, path, body);
  }

  /** A message to the plugin, with an SDP when there is one; its answer comes as an event (next). */
  async message(body: Record<string, unknown>, jsep?: RTCSessionDescriptionInit): Promise<void> {
    await this.post(`/${this.sessionId}/${this.handleId}`, { janus: 'message', body, ...(jsep ? { jsep } : {}) });
  }

  /** The first event that `matches`, long-polling the session; a plugin error ends the wait with it. */
  async next(matches: (e: JanusEvent) => boolean, timeoutMs = 20_000): Promise<JanusEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.queue.findIndex(matches);
      if (found >= 0) return this.queue.splice(found, 1)[0]!;
      const failed = this.queue.find((e) => typeof e.plugindata?.data.error_code === 'number');
      if (failed) throw new JanusError(failed.plugindata!.data.error_code as number, String(failed.plugindata!.data.error ?? ''));
      if (this.closed) throw new Error('the Janus session is closed');
      if (Date.now() > deadline) throw new Error(`Janus did not answer within ${timeoutMs / 1000} s`);
      const res = await fetch(`${this.httpUrl}/${this.sessionId}?maxev=10&rid=${Date.now()}&token=${encodeURIComponent(this.token)}`);
      const got = (await res.json()) as JanusEvent | JanusEvent[];
      for (const e of Array.isArray(got) ? got : [got]) if (e.janus !== 'keepalive') this.queue.push(e);
    }
  }

  /** Ends the session (Janus closes its PeerConnections); quietly, it may be gone already. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    await this.post(`/${this.sessionId}`, { janus: 'destroy' }).catch(() => undefined);
  }
}

async function postJanus(httpUrl: string, token: string, path: string, body: Record<string, unknown>): Promise<JanusEvent> {
  const res = await fetch(httpUrl + path, { method: 'POST', body: JSON.stringify({ ...body, transaction: transaction(), token }) });
  const json = (await res.json()) as JanusEvent;
  if (json.janus === 'error') throw new JanusError(json.error?.code ?? 0, json.error?.reason ?? '');
  return json;
}

/** Resolves once the PeerConnection has gathered its candidates (non-trickle), within 10 s. */
export function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(() => reject(new Error('ICE gathering did not complete within 10 s')), 10_000);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

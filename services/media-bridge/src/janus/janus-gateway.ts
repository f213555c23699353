// The bridge's side of Janus: one Janus API connection (api_secret) with a streaming and a VideoRoom
// handle for managing mountpoints and rooms, and one admin API connection for members' tokens.
// Janus's answers become plain values; its refusals become JanusError with Janus's code.
import { randomInt } from 'node:crypto';
import type { Logger } from '@rtcroom/common';
import { JanodeConnection, JanodeHandle, JanodeSession, JanusMessage, loadJanode } from './janode';

export interface JanusSettings {
  /** The Janus API over WebSocket, e.g. ws://127.0.0.1:8188. */
  wsUrl: string;
  /** The admin API over WebSocket, e.g. ws://127.0.0.1:7188. */
  adminWsUrl: string;
  apiSecret: string;
  adminSecret: string;
  /** The streaming and VideoRoom plugins' admin_key: without it nobody creates mountpoints or rooms, nor forwards RTP. */
  pluginAdminKey: string;
}

export class JanusError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'JanusError';
  }
}

/** The plugins a member's token opens: watching mountpoints and publishing in a VideoRoom. */
export const memberPlugins = ['janus.plugin.streaming', 'janus.plugin.videoroom'];

export interface MountpointPorts {
  id: number;
  audioPort: number;
  videoPort: number;
}

export interface MountpointSpec {
  id: number;
  description: string;
  pin: string;
  /** Needed to destroy or edit it. */
  secret: string;
  /** Where Janus binds the mountpoint's ports (an address of its own); undefined: every interface. */
  iface: string | undefined;
  audio: { pt: number; codec: string };
  video: { pt: number; codec: string; fmtp?: string };
}

export interface ForwardSpec {
  room: number;
  secret: string;
  feed: number;
  host: string;
  audio: { port: number; pt: number };
  video: { port: number; pt: number };
}

/** A safe integer id Janus accepts, unlikely to collide with one already in use. */
export const newJanusId = (): number => randomInt(1, 2 ** 47);

export class JanusGateway {
  private closedListeners: ((why: string) => void)[] = [];
  private closing = false;

  private constructor(
    private readonly api: JanodeConnection,
    private readonly admin: JanodeConnection,
    private readonly session: JanodeSession,
    private readonly streaming: JanodeHandle,
    private readonly videoroom: JanodeHandle,
    private readonly adminKey: string,
    private readonly logger: Logger,
  ) {
    const lost = (what: string) => () => {
      if (this.closing) return;
      this.closing = true;
      logger.error('lost Janus', { what });
      // Whichever half is still open goes too: the next connect makes both anew.
      void Promise.all([api.close().catch(() => undefined), admin.close().catch(() => undefined)]);
      for (const listener of this.closedListeners) listener(what);
    };
    // janode says connection_closed for a close it was asked for, connection_error for any other.
    api.once('connection_closed', lost('api connection closed'));
    api.once('connection_error', lost('api connection lost'));
    admin.once('connection_closed', lost('admin connection closed'));
    admin.once('connection_error', lost('admin connection lost'));
    session.once('session_destroyed', lost('session destroyed'));
  }

  static async connect(settings: JanusSettings, logger: Logger): Promise<JanusGateway> {
    const { janode, streaming, videoroom } = await loadJanode();
    // No retries inside janode: a Janus that does not answer fails the start, and the bridge's own
    // reconnect loop decides what comes next.
    const api = await janode
      .connect({ address: { url: settings.wsUrl, apisecret: settings.apiSecret }, retry_time_secs: 1, max_retries: 1 })
      .catch((err) => Promise.reject(new JanusError(`cannot reach Janus's API at ${settings.wsUrl} (JANUS_WS_URL): ${describe(err)}`, undefined)));
    let admin: JanodeConnection | undefined;
    try {
      const adminConnection = await janode
        .connect({ address: { url: settings.adminWsUrl, apisecret: settings.adminSecret }, is_admin: true, retry_time_secs: 1, max_retries: 1 })
        .catch((err) => Promise.reject(new JanusError(`cannot reach Janus's admin API at ${settings.adminWsUrl} (JANUS_ADMIN_WS_URL): ${describe(err)}`, undefined)));
      admin = adminConnection;
      // The admin secret is checked per request, not at connect: ask something harmless now, so a
      // wrong JANUS_ADMIN_SECRET fails the start instead of the first member's token.
      await adminConnection.sendRequest({ janus: 'list_tokens' }).catch((err) => Promise.reject(new JanusError(`Janus's admin API refused the bridge (JANUS_ADMIN_SECRET): ${describe(err)}`, undefined)));
      const session = await api.create(15).catch((err) => Promise.reject(new JanusError(`Janus's API refused the bridge (JANUS_API_SECRET): ${describe(err)}`, undefined)));
      const [s, v] = await Promise.all([session.attach(streaming), session.attach(videoroom)]);
      return new JanusGateway(api, adminConnection, session, s, v, settings.pluginAdminKey, logger);
    } catch (err) {
      await Promise.all([api.close().catch(() => undefined), admin?.close().catch(() => undefined)]);
      throw err;
    }
  }

  onClosed(listener: (why: string) => void): void {
    this.closedListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.session.destroy().catch(() => undefined);
    await Promise.all([this.api.close().catch(() => undefined), this.admin.close().catch(() => undefined)]);
  }

  // --- Tokens (admin API) ----------------------------------------------------------------------
  async addToken(token: string, plugins: string[] = memberPlugins): Promise<void> {
    await this.adminRequest({ janus: 'add_token', token, plugins });
  }

  async removeToken(token: string): Promise<void> {
    await this.adminRequest({ janus: 'remove_token', token });
  }

  async listTokens(): Promise<string[]> {
    const answer = await this.adminRequest({ janus: 'list_tokens' });
    const tokens = (answer.data as { tokens?: { token: string }[] } | undefined)?.tokens ?? [];
    return tokens.map((t) => t.token);
  }

  // --- Streaming mountpoints -------------------------------------------------------------------
  /** Creates an RTP mountpoint whose ports Janus picks, and says which it picked. */
  async createMountpoint(spec: MountpointSpec): Promise<MountpointPorts> {
    const media = (type: 'audio' | 'video', mid: string, m: { pt: number; codec: string; fmtp?: string }) => ({
      type,
      mid,
      port: 0,
      pt: m.pt,
      codec: m.codec,
      ...(m.fmtp ? { fmtp: m.fmtp } : {}),
      ...(spec.iface ? { iface: spec.iface } : {}),
    });
    const data = await this.plugin(this.streaming, {
      request: 'create',
      admin_key: this.adminKey,
      type: 'rtp',
      id: spec.id,
      description: spec.description,
      pin: spec.pin,
      secret: spec.secret,
      is_private: true,
      permanent: false,
      media: [media('audio', 'a', spec.audio), media('video', 'v', spec.video)],
    });
    const ports = ((data.stream as { ports?: { type: string; port: number }[] } | undefined)?.ports ?? []) as { type: string; port: number }[];
    const port = (type: string) => ports.find((p) => p.type === type)?.port;
    const audioPort = port('audio');
    const videoPort = port('video');
    if (!audioPort || !videoPort) throw new JanusError(`Janus created mountpoint ${spec.id} without telling its ports`, undefined);
    return { id: spec.id, audioPort, videoPort };
  }

  async destroyMountpoint(id: number, secret: string): Promise<void> {
    await this.plugin(this.streaming, { request: 'destroy', id, secret, permanent: false });
  }

  // --- VideoRoom ---------------------------------------------------------------------------------
  /**
   * A room only holders of the listed tokens may join, and only its participants may subscribe in:
   * Janus checks the tokens of publishers only, so subscribers must show the private_id Janus gave
   * a publisher handle of the room (require_pvtid).
   */
  async createVideoRoom(room: number, secret: string, description: string, allowed: string[], videocodec: 'vp8' | 'h264' = 'vp8'): Promise<void> {
    await this.plugin(this.videoroom, {
      request: 'create',
      admin_key: this.adminKey,
      room,
      secret,
      description,
      is_private: true,
      permanent: false,
      publishers: 16,
      audiocodec: 'opus',
      videocodec,
      ...(videocodec === 'h264' ? { h264_profile: '42e01f' } : {}),
      // A keyframe every few seconds, so an ffmpeg restarted mid-stream decodes again soon.
      fir_freq: 3,
      allowed,
      require_pvtid: true,
    });
  }

  async destroyVideoRoom(room: number, secret: string): Promise<void> {
    await this.plugin(this.videoroom, { request: 'destroy', room, secret, permanent: false });
  }

  async allowInVideoRoom(room: number, secret: string, action: 'add' | 'remove', tokens: string[]): Promise<void> {
    await this.plugin(this.videoroom, { request: 'allowed', room, secret, action, allowed: tokens });
  }

  /** Whether the feed has joined the room and publishes media. */
  async isPublishing(room: number, feed: number): Promise<boolean> {
    const data = await this.plugin(this.videoroom, { request: 'listparticipants', room });
    const participants = (data.participants as { id: number; publisher?: boolean }[] | undefined) ?? [];
    return participants.some((p) => p.id === feed && p.publisher === true);
  }

  /** Forwards a publisher's first audio and video stream as plain RTP; answers the forwarders' ids. */
  async forward(spec: ForwardSpec): Promise<number[]> {
    const data = await this.plugin(this.videoroom, {
      request: 'rtp_forward',
      admin_key: this.adminKey,
      room: spec.room,
      secret: spec.secret,
      publisher_id: spec.feed,
      host: spec.host,
      audio_port: spec.audio.port,
      audio_pt: spec.audio.pt,
      video_port: spec.video.port,
      video_pt: spec.video.pt,
    });
    const forwarders = (data.forwarders as { stream_id: number }[] | undefined) ?? [];
    const legacy = ['audio_stream_id', 'video_stream_id'].map((k) => data[k]).filter((v): v is number => typeof v === 'number');
    return forwarders.length > 0 ? forwarders.map((f) => f.stream_id) : legacy;
  }

  async stopForward(room: number, secret: string, feed: number, streamId: number): Promise<void> {
    await this.plugin(this.videoroom, { request: 'stop_rtp_forward', admin_key: this.adminKey, room, secret, publisher_id: feed, stream_id: streamId });
  }

  // --- Plumbing ----------------------------------------------------------------------------------
  private async plugin(handle: JanodeHandle, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    let answer: JanusMessage;
    try {
      answer = await handle.message(body);
    } catch (err) {
      throw asJanusError(err, `${String(body.request)} refused by Janus`);
    }
    const data = answer.plugindata?.data ?? {};
    if (typeof data.error === 'string') throw new JanusError(`${String(body.request)}: ${data.error}`, data.error_code as number | undefined);
    return data;
  }

  private async adminRequest(request: Record<string, unknown>): Promise<JanusMessage> {
    try {
      return await this.admin.sendRequest(request);
    } catch (err) {
      throw asJanusError(err, `${String(request.janus)} refused by Janus`);
    }
  }
}

function asJanusError(err: unknown, what: string): JanusError {
  if (err instanceof JanusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = /^(\d{3,5})\b/.exec(message)?.[1];
  const janusError = new JanusError(`${what}: ${message}`, code ? Number(code) : undefined);
  janusError.cause = err;
  return janusError;
}

/** What went wrong, from whatever janode rejected with (an Error, a WebSocket event, a string). */
function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = err as { message?: unknown; error?: { message?: unknown }; type?: unknown } | undefined;
  return String(e?.message ?? e?.error?.message ?? e?.type ?? err);
}

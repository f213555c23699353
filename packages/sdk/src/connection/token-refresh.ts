// Keeps the connection's access token alive: the gateway says when it is about to expire
// (tokenExpiring); the client then asks its token provider for a fresh one and sends it with
// refreshToken, so the session and its seats go on with nobody told anything. Without a refresh the
// gateway closes the connection at the token's exp (error TOKEN_EXPIRED, close 4001) and the
// transport reconnects and resumes, asking the provider again.
import type { Emitter } from '../emitter.js';
import { RtcRoomError } from '../errors.js';
import type { RtcRoomEvents } from '../events.js';
import type { ServerMessage } from '../protocol.js';
import type { Transport } from './transport.js';

export class TokenRefresher {
  /** The refresh asked of the provider in flight, so a second warning does not ask twice. */
  private inFlight: Promise<{ expireTime: string }> | undefined;

  constructor(
    private readonly events: Emitter<RtcRoomEvents>,
    private readonly transport: Transport,
  ) {}

  /** Handles the frames about the token; false for every other frame. */
  onFrame(frame: ServerMessage): boolean {
    if (frame.tokenExpiring) {
      const willRefresh = this.transport.hasTokenProvider;
      this.events.emit('tokenExpiring', { expireTime: String(frame.tokenExpiring.expireTime ?? ''), willRefresh });
      // A failure is told as an error; the gateway then closes at exp and the reconnect asks the provider again.
      if (willRefresh) this.refresh().catch((err: RtcRoomError) => this.events.emit('error', err));
      return true;
    }
    if (frame.error?.code === 'TOKEN_EXPIRED' && !frame.requestId) {
      this.events.emit('tokenExpired', { willReconnect: this.transport.hasTokenProvider && this.transport.reconnects });
    }
    return false;
  }

  /** Sends `token`, or a fresh one from the provider, to replace the connection's access token. */
  refresh(token?: string): Promise<{ expireTime: string }> {
    if (token !== undefined) return this.send(token);
    this.inFlight ??= this.fromProvider().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fromProvider(): Promise<{ expireTime: string }> {
    let token: string;
    try {
      token = await this.transport.currentToken();
    } catch (err) {
      if (err instanceof RtcRoomError) throw err;
      throw new RtcRoomError('TOKEN_REFRESH_FAILED', `the token provider failed: ${err instanceof Error ? err.message : String(err)}`, { request: 'refreshToken', cause: err });
    }
    return this.send(token);
  }

  private async send(token: string): Promise<{ expireTime: string }> {
    const answer = await this.transport.request('refreshToken', { accessToken: token });
    this.transport.tokenRefreshed(token);
    const refreshed = { expireTime: answer.expireTime ?? '' };
    this.events.emit('tokenRefreshed', refreshed);
    return refreshed;
  }
}

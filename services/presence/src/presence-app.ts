// Presence's use cases: sessions come and go, silent ones expire, and pusher reports become stream
// state in the room. When a session is gone for good, its seats are given up with reason
// "connection lost".
import { DomainError, Logger } from '@rtcroom/common';
import { judgePusherCode, PusherVerdict } from './domain/pusher-report';
import { Session, SessionRegistry } from './domain/session-registry';

/** The room service as presence needs it. */
export interface RoomPort {
  leaveSession(sessionId: string): Promise<number>;
  setStreamState(roomId: string, identity: string, publishing: boolean): Promise<boolean>;
}

export class PresenceApp {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly rooms: RoomPort,
    private readonly logger: Logger,
    private readonly sessionTimeoutMs: number,
  ) {}

  start(sweepIntervalMs = Math.max(250, Math.floor(this.sessionTimeoutMs / 4))): void {
    this.sweeper = setInterval(() => void this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  open(sessionId: string, identity: string, gatewayId: string): Session {
    if (!sessionId || !identity || !gatewayId) {
      throw new DomainError('INVALID_ARGUMENT', 'session_id, identity and gateway_id are required');
    }
    return this.registry.open(sessionId, identity, gatewayId);
  }

  async close(sessionId: string): Promise<void> {
    this.registry.close(sessionId);
    await this.endSeats(sessionId);
  }

  keepAlive(gatewayId: string, sessionIds: string[]): string[] {
    return this.registry.touch(gatewayId, sessionIds);
  }

  sessionsOf(identity: string): Session[] {
    return this.registry.sessionsOf(identity);
  }

  async reportPusher(sessionId: string, identity: string, roomId: string, code: number): Promise<PusherVerdict> {
    const session = this.registry.get(sessionId);
    if (!session || session.identity !== identity) {
      throw new DomainError('SESSION_NOT_FOUND', `no session ${sessionId} for ${identity}`);
    }
    if (!roomId) throw new DomainError('INVALID_ARGUMENT', 'room_id is required', { field: 'room_id' });
    const verdict = judgePusherCode(code);
    if (verdict === 'stream_started' || verdict === 'stream_stopped') {
      const changed = await this.rooms.setStreamState(roomId, identity, verdict === 'stream_started');
      return changed ? verdict : 'none';
    }
    return verdict;
  }

  private async sweep(): Promise<void> {
    for (const s of this.registry.expire(this.sessionTimeoutMs)) {
      this.logger.info('session expired', { sessionId: s.sessionId, identity: s.identity, gatewayId: s.gatewayId });
      await this.endSeats(s.sessionId);
    }
  }

  private async endSeats(sessionId: string): Promise<void> {
    try {
      await this.rooms.leaveSession(sessionId);
    } catch (err) {
      this.logger.warn('could not give up the seats of a closed session', { sessionId, err });
    }
  }
}

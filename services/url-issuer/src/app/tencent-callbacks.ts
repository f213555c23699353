// Tencent Cloud's stream event callbacks: checked (sign, t within the window, the pair bound to one
// stream), de-duplicated, and turned into media facts: 1 stream began, 0 stream ended, 100
// recording ready. Tencent retries a callback not answered with {"code":0}; a repeat changes nothing.
import { Logger } from '@rtcroom/common';
import type { MemberDirectory, MembershipWithRoom } from '../domain/member-directory';
import { factIdFor, MediaFactSink } from '../domain/media-fact';
import { checkTencentCallback, readTencentEvent, tencentCallbackStream, tencentSignPair, TencentEvent } from '../domain/tencent-callback';
import type { RecordingKeeper } from './recording-keeper';

/** The facts already acted on (store/media-fact.repository.ts keeps them in Postgres). */
export interface FactMemory {
  seen(key: string): Promise<boolean>;
  remember(key: string, at: Date): Promise<void>;
}

/**
 * Which stream each (t, sign) pair signed for, until its t passes (store/callback-sign.repository.ts
 * keeps them in Postgres, shared by every url-issuer instance).
 */
export interface SignLedger {
  /** Binds the pair to the stream unless it is bound already; true when it is bound to this stream. */
  claim(pair: string, streamId: string, expiresAt: Date): Promise<boolean>;
}

export interface TencentCallbackSettings {
  /** Absent: the deployment takes no Tencent callbacks, and every one is refused. */
  callbackKey: string | undefined;
  /** How far past now a callback's t (its expiry) may lie. */
  maxExpirySeconds: number;
}

export interface TencentAnswer {
  status: number;
  body: { code: number; message?: string };
}

const acknowledged: TencentAnswer = { status: 200, body: { code: 0 } };
const failed = (status: number, message: string): TencentAnswer => ({ status, body: { code: 1, message } });

type StreamEvent = Extract<TencentEvent, { kind: 'stream_began' | 'stream_ended' }>;

export class TencentCallbacks {
  constructor(
    private readonly settings: TencentCallbackSettings,
    private readonly directory: MemberDirectory,
    private readonly sink: MediaFactSink,
    private readonly recordings: Pick<RecordingKeeper, 'keep'>,
    private readonly facts: FactMemory,
    private readonly signs: SignLedger,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async handle(body: unknown): Promise<TencentAnswer> {
    const key = this.settings.callbackKey;
    if (!key) {
      this.logger.warn('tencent callback refused', { reason: 'NOT_CONFIGURED', detail: 'TENCENT_CALLBACK_KEY is not set' });
      return failed(503, 'callbacks are not configured');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return failed(400, 'body must be a JSON object');
    const fields = body as Record<string, unknown>;
    const verdict = checkTencentCallback(key, fields, this.now(), this.settings.maxExpirySeconds);
    if (verdict !== 'OK') {
      this.logger.warn('tencent callback refused', { reason: verdict, eventType: fields.event_type, stream: fields.stream_id, t: fields.t });
      return failed(403, verdict);
    }
    const event = readTencentEvent(fields);
    if (!event) return failed(400, 'the event lacks stream_id (or file_id)');
    try {
      // The sign does not cover the body: a pair seen for one stream signs nothing about another.
      const { pair, expiresAt } = tencentSignPair(fields);
      const stream = tencentCallbackStream(fields);
      if (!(await this.signs.claim(pair, stream, expiresAt))) {
        this.logger.warn('tencent callback refused', { reason: 'SIGN_REUSED', detail: 'this t and sign signed a callback for another stream', eventType: fields.event_type, stream, t: fields.t });
        return failed(403, 'SIGN_REUSED');
      }
      switch (event.kind) {
        case 'stream_began':
        case 'stream_ended':
          return await this.onStream(event);
        case 'recording_ready':
          return await this.onRecording(event);
        case 'other':
          this.logger.debug('tencent callback ignored', { eventType: event.eventType });
          return acknowledged;
      }
    } catch (err) {
      // Not acknowledged, so Tencent tries again.
      this.logger.error('tencent callback failed', { kind: event.kind, stream: 'streamId' in event ? event.streamId : undefined, err });
      return failed(503, 'try again');
    }
  }

  private async onStream(event: StreamEvent): Promise<TencentAnswer> {
    // One push has one sequence, shared by its began and its ended callbacks.
    const push = `${event.streamId}:${event.sequence || event.time?.getTime() || ''}`;
    const key = `tencent:${event.kind}:${push}`;
    if (await this.facts.seen(key)) {
      this.logger.debug('tencent callback repeated', { key });
      return acknowledged;
    }
    // A began that arrives after its push ended (a late retry) must not mark the stream live again.
    if (event.kind === 'stream_began' && (await this.facts.seen(`tencent:stream_ended:${push}`))) {
      await this.facts.remember(key, this.now());
      return acknowledged;
    }
    const owner = await this.owner(event.streamId);
    if (owner) {
      const common = { id: factIdFor(key), time: event.time ?? this.now(), server: 'tencent' as const, owner: owner.member, clientAddress: event.clientAddress, app: event.app };
      await this.sink.publish(
        event.kind === 'stream_began'
          ? { ...common, type: 'stream_began' }
          : { ...common, type: 'stream_ended', durationMs: event.durationMs, errorCode: event.errorCode, errorMessage: event.errorMessage },
      );
      this.logger.info(`tencent ${event.kind}`, { stream: event.streamId, identity: owner.member.identity, roomId: owner.room.roomId });
    }
    // Remembered once published: a crash in between makes Tencent retry, and the bus drops the repeat.
    await this.facts.remember(key, this.now());
    return acknowledged;
  }

  private async onRecording(event: Extract<TencentEvent, { kind: 'recording_ready' }>): Promise<TencentAnswer> {
    const owner = await this.owner(event.streamId);
    if (!owner) return acknowledged;
    await this.recordings.keep(`tencent:${event.fileId}`, owner.member, {
      server: 'tencent',
      filePath: '',
      url: event.url,
      format: event.format,
      sizeBytes: event.sizeBytes,
      startTime: event.startTime,
      endTime: event.endTime,
      mediaFileId: event.fileId,
    });
    return acknowledged;
  }

  /** The membership owning the stream; null (logged) for a stream that is not rtcroom's. */
  private async owner(streamId: string): Promise<MembershipWithRoom | null> {
    const found = await this.directory.byStream(streamId);
    if (!found) this.logger.info('tencent callback for a stream no membership owns', { stream: streamId });
    return found;
  }
}

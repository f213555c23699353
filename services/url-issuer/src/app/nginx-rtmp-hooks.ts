// nginx-rtmp's on_* hooks: publish and play are decided (domain/hook-decisions.ts); a publish that
// began or ended and a finished recording become media facts. nginx-rtmp lets a publish or play
// through only on a 2xx answer; the answers to the done hooks are ignored by it.
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Logger, newId } from '@rtcroom/common';
import { decidePlay, decidePublish, HookDecision, HookSettings, identifyPush } from '../domain/hook-decisions';
import type { MemberDirectory } from '../domain/member-directory';
import type { MediaFactSink } from '../domain/media-fact';
import type { RecordingKeeper } from './recording-keeper';

/** What nginx-rtmp POSTs (form fields, with the URL's query merged in). */
export type HookParams = Record<string, string | undefined>;

export interface HookAnswer {
  status: 200 | 403 | 503;
  /** Said in the answer body and the log. */
  reason: string;
}

export interface FileFacts {
  sizeBytes: number;
  modifiedAt: Date | null;
  bornAt: Date | null;
}

export interface NginxRtmpHooksOptions {
  /** Base URL the operator serves recording files under; absent: recordings have no URL. */
  recordUrlBase?: string;
  now?: () => Date;
  /** Reads a recording file's size and times; null when the file is not on this machine. */
  statFile?: (path: string) => Promise<FileFacts | null>;
  /**
   * Makes a finished FLV playable in browsers (media-server/recording-remux.ts) and answers the new
   * file's path; null: recordings stay FLV. A failure keeps the FLV, so no recording is ever lost.
   */
  remux?: ((flvPath: string) => Promise<string>) | null;
}

const ok: HookAnswer = { status: 200, reason: 'OK' };

async function statLocalFile(path: string): Promise<FileFacts | null> {
  try {
    const s = await stat(path);
    return { sizeBytes: s.size, modifiedAt: s.mtime, bornAt: s.birthtimeMs > 0 ? s.birthtime : null };
  } catch {
    return null;
  }
}

/** nginx-rtmp's `record_unique on` names files <stream>-<UNIX seconds>.<ext>: when recording began. */
function startFromName(path: string): Date | null {
  const m = /-(\d{9,11})\.[A-Za-z0-9]+$/.exec(path);
  return m ? new Date(Number(m[1]) * 1000) : null;
}

export class NginxRtmpHooks {
  private readonly now: () => Date;
  private readonly statFile: (path: string) => Promise<FileFacts | null>;

  constructor(
    private readonly settings: HookSettings,
    private readonly directory: MemberDirectory,
    private readonly sink: MediaFactSink,
    private readonly recordings: Pick<RecordingKeeper, 'keep'>,
    private readonly logger: Logger,
    private readonly options: NginxRtmpHooksOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.statFile = options.statFile ?? statLocalFile;
  }

  async onPublish(p: HookParams): Promise<HookAnswer> {
    const decision = await decidePublish(this.settings, this.directory, { app: p.app, name: p.name, exp: p.exp, sig: p.sig, tcurl: p.tcurl, room: p.room, standin: p.standin }, this.now());
    const answer = this.answer('publish', decision, p);
    // A stand-in's stream (a whisper) has no member to be told of it.
    if (decision.allowed && !decision.relay && !decision.standIn) {
      try {
        await this.sink.publish({
          type: 'stream_began',
          id: newId('me'),
          time: this.now(),
          server: 'nginx-rtmp',
          owner: decision.owner.member,
          clientAddress: p.addr ?? '',
          app: p.app ?? '',
        });
      } catch (err) {
        // The push itself is fine; only the room hears of it late (from the pusher's own report).
        this.logger.error('could not publish stream began', { stream: p.name, err });
      }
    }
    return answer;
  }

  async onPlay(p: HookParams): Promise<HookAnswer> {
    const decision = await decidePlay(this.settings, this.directory, { app: p.app, name: p.name, viewer: p.viewer, exp: p.exp, sig: p.sig, seat: p.seat, room: p.room, standin: p.standin }, this.now());
    return this.answer('play', decision, p);
  }

  async onPublishDone(p: HookParams): Promise<HookAnswer> {
    const found = await identifyPush(this.settings, this.directory, { app: p.app, name: p.name, exp: p.exp, sig: p.sig, tcurl: p.tcurl }, this.now());
    if (!found.owner) {
      if (found.reason !== 'RELAY') this.logger.warn('publish_done ignored', { reason: found.reason, detail: found.detail, app: p.app, stream: p.name });
      return ok;
    }
    try {
      await this.sink.publish({
        type: 'stream_ended',
        id: newId('me'),
        time: this.now(),
        server: 'nginx-rtmp',
        owner: found.owner.member,
        clientAddress: p.addr ?? '',
        app: p.app ?? '',
        durationMs: 0,
        errorCode: 0,
        errorMessage: '',
      });
    } catch (err) {
      this.logger.error('could not publish stream ended', { stream: p.name, err });
    }
    return ok;
  }

  async onPlayDone(p: HookParams): Promise<HookAnswer> {
    this.logger.debug('play ended', { stream: p.name, viewer: p.viewer, addr: p.addr });
    return ok;
  }

  async onRecordDone(p: HookParams): Promise<HookAnswer> {
    const found = await identifyPush(this.settings, this.directory, { app: p.app, name: p.name, exp: p.exp, sig: p.sig, tcurl: p.tcurl }, this.now());
    if (!found.owner || !p.path) {
      this.logger.warn('record_done ignored', { reason: found.owner ? 'NO_PATH' : found.reason, app: p.app, stream: p.name, path: p.path });
      return ok;
    }
    const startTime = startFromName(p.path);
    const { path, file } = await this.playable(p.path);
    const now = this.now();
    try {
      await this.recordings.keep(`nginx-rtmp:${p.path}`, found.owner.member, {
        server: 'nginx-rtmp',
        filePath: path,
        url: this.options.recordUrlBase ? `${this.options.recordUrlBase}/${encodeURIComponent(basename(path))}` : '',
        format: extname(path).slice(1).toLowerCase(),
        sizeBytes: file?.sizeBytes ?? 0,
        startTime: startTime ?? file?.bornAt ?? null,
        endTime: file?.modifiedAt ?? now,
        mediaFileId: '',
      });
    } catch (err) {
      this.logger.error('could not keep a recording', { stream: p.name, path, err });
    }
    return ok;
  }

  /** The recording as browsers play it: remuxed to MP4 when it is an FLV on this machine. */
  private async playable(recorded: string): Promise<{ path: string; file: FileFacts | null }> {
    const file = await this.statFile(recorded);
    if (!file || !this.options.remux || extname(recorded).toLowerCase() !== '.flv') return { path: recorded, file };
    try {
      const path = await this.options.remux(recorded);
      return { path, file: await this.statFile(path) };
    } catch (err) {
      this.logger.error('could not remux a recording to MP4: it is kept as FLV', { path: recorded, err });
      return { path: recorded, file };
    }
  }

  private answer(hook: string, decision: HookDecision, p: HookParams): HookAnswer {
    const where = { app: p.app, stream: p.name, viewer: p.viewer, addr: p.addr };
    if (decision.allowed) {
      this.logger.info(`${hook} allowed`, { ...where, identity: decision.owner.member.identity, roomId: decision.owner.room.roomId, relay: decision.relay || undefined });
      return ok;
    }
    this.logger.warn(`${hook} refused`, { ...where, reason: decision.reason, detail: decision.detail });
    return { status: decision.reason === 'LOOKUP_FAILED' ? 503 : 403, reason: decision.reason };
  }
}

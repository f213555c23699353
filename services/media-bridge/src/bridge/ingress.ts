// One RTMP stream made playable over WebRTC: a Janus streaming mountpoint (with a pin of its own) fed
// by an ffmpeg that pulls the stream. Lives while at least one viewer has it open.
//
// Each viewer's open brings a source URL (the caller may sign one per viewer: nginx-rtmp's play
// check admits a viewer who is seated); ffmpeg, whenever it (re)starts, pulls with the URL of the
// viewer who opened last among those still there, so a viewer's departure never leaves the ingress
// with a URL the media server now refuses.
import { randomBytes } from 'node:crypto';
import type { Logger } from '@rtcroom/common';
import type { JanusGateway } from '../janus/janus-gateway';
import { newJanusId } from '../janus/janus-gateway';
import { h264Fmtp, ingressArgs, IngressVideo, payloadTypes } from '../media/ffmpeg-commands';
import { SupervisedProcess } from '../media/supervised-process';

export interface IngressSettings {
  ffmpegPath: string;
  /** Where ffmpeg sends RTP to reach the mountpoint: Janus's address. */
  janusRtpHost: string;
  /** Pass video through, or re-encode it. */
  ingressVideo: IngressVideo;
}

export class Ingress {
  /** Viewers, in the order they opened, with the source URL each brought. */
  readonly viewers = new Map<string, string>();
  readonly openedAt = Date.now();
  private constructor(
    readonly roomId: string,
    readonly streamId: string,
    readonly mountpointId: number,
    readonly pin: string,
    private readonly secret: string,
    readonly process: SupervisedProcess,
  ) {}

  static async start(roomId: string, streamId: string, sourceUrl: string, janus: JanusGateway, settings: IngressSettings, logger: Logger): Promise<Ingress> {
    const pin = randomBytes(12).toString('base64url');
    const secret = randomBytes(24).toString('base64url');
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(settings.janusRtpHost);
    const mountpoint = await janus.createMountpoint({
      id: newJanusId(),
      description: `${roomId}/${streamId}`,
      pin,
      secret,
      iface: isIp ? settings.janusRtpHost : undefined,
      audio: { pt: payloadTypes.opus, codec: 'opus' },
      video: { pt: payloadTypes.h264, codec: 'h264', fmtp: h264Fmtp },
    });
    let ingress: Ingress | undefined;
    const process = new SupervisedProcess({
      command: settings.ffmpegPath,
      args: () => ingressArgs({ sourceUrl: ingress?.currentSource() ?? sourceUrl, rtpHost: settings.janusRtpHost, audioPort: mountpoint.audioPort, videoPort: mountpoint.videoPort, video: settings.ingressVideo }),
      logger: logger.child({ ingress: streamId, mountpoint: mountpoint.id }),
    });
    ingress = new Ingress(roomId, streamId, mountpoint.id, pin, secret, process);
    return ingress;
  }

  /** Counts a viewer (again: it moves to the end, its URL the newest). */
  addViewer(viewer: string, sourceUrl: string): void {
    this.viewers.delete(viewer);
    this.viewers.set(viewer, sourceUrl);
  }

  /** The URL ffmpeg pulls with: the latest viewer's. */
  currentSource(): string | undefined {
    return [...this.viewers.values()].pop();
  }

  async stop(janus: JanusGateway | undefined): Promise<void> {
    await this.process.stop();
    await janus?.destroyMountpoint(this.mountpointId, this.secret);
  }
}

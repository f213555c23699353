// One RTMP stream made playable over WebRTC: a Janus streaming mountpoint (with a pin of its own) fed
// by an ffmpeg that pulls the stream. Lives while at least one viewer has it open.
import { randomBytes } from 'node:crypto';
import type { Logger } from '@rtcroom/common';
import type { JanusGateway } from '../janus/janus-gateway';
import { newJanusId } from '../janus/janus-gateway';
import { h264Fmtp, ingressArgs, payloadTypes } from '../media/ffmpeg-commands';
import { SupervisedProcess } from '../media/supervised-process';

export interface IngressSettings {
  ffmpegPath: string;
  /** Where ffmpeg sends RTP to reach the mountpoint: Janus's address. */
  janusRtpHost: string;
}

export class Ingress {
  readonly viewers = new Set<string>();
  readonly openedAt = Date.now();
  private constructor(
    readonly roomId: string,
    readonly streamId: string,
    readonly mountpointId: number,
    readonly pin: string,
    readonly process: SupervisedProcess,
  ) {}

  static async start(roomId: string, streamId: string, sourceUrl: string, janus: JanusGateway, settings: IngressSettings, logger: Logger): Promise<Ingress> {
    const pin = randomBytes(12).toString('base64url');
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(settings.janusRtpHost);
    const mountpoint = await janus.createMountpoint({
      id: newJanusId(),
      description: `${roomId}/${streamId}`,
      pin,
      iface: isIp ? settings.janusRtpHost : undefined,
      audio: { pt: payloadTypes.opus, codec: 'opus' },
      video: { pt: payloadTypes.h264, codec: 'h264', fmtp: h264Fmtp },
    });
    const process = new SupervisedProcess({
      command: settings.ffmpegPath,
      args: () => ingressArgs({ sourceUrl, rtpHost: settings.janusRtpHost, audioPort: mountpoint.audioPort, videoPort: mountpoint.videoPort }),
      logger: logger.child({ ingress: streamId, mountpoint: mountpoint.id }),
    });
    process.start();
    return new Ingress(roomId, streamId, mountpoint.id, pin, process);
  }

  async stop(janus: JanusGateway | undefined): Promise<void> {
    await this.process.stop();
    await janus?.destroyMountpoint(this.mountpointId);
  }
}

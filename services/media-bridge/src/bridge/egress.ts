// One browser member's VideoRoom publish made an RTMP stream: once the member publishes, Janus
// forwards its RTP to ports of the bridge where an ffmpeg listens, transcodes, and pushes FLV.
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@rtcroom/common';
import type { JanusGateway } from '../janus/janus-gateway';
import { egressArgs, egressSdp, EgressVideo, egressVideoCodec, payloadTypes } from '../media/ffmpeg-commands';
import { SupervisedProcess } from '../media/supervised-process';
import type { UdpPortPairs } from '../media/udp-ports';

export interface EgressSettings {
  ffmpegPath: string;
  /** Where Janus forwards RTP to reach ffmpeg: the bridge's address as Janus sees it. */
  rtpHost: string;
  /** Where the SDP files are written. */
  workDir: string;
  /** How often to ask Janus whether the member publishes yet. */
  pollMs: number;
  /** Transcode the browser's VP8, or pass its H.264 through. */
  egressVideo: EgressVideo;
}

export class Egress {
  readonly openedAt = Date.now();
  process: SupervisedProcess | undefined;
  private forwarders: number[] = [];
  private ports: number[] = [];
  private stopped = false;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    readonly roomId: string,
    readonly memberId: string,
    readonly identity: string,
    readonly videoroomId: number,
    private readonly videoroomSecret: string,
    readonly feedId: number,
    private readonly targetUrl: string,
    private readonly settings: EgressSettings,
    private readonly portPairs: UdpPortPairs,
    private readonly logger: Logger,
  ) {}

  /**
   * Follows the member's publishing (in the background): when it publishes, ffmpeg and the forward
   * start; when it stops (unpublished, left, its PeerConnection gone), they stop, until it
   * publishes again. Janus is asked every pollMs while waiting, every 4 pollMs while forwarding.
   */
  watch(janus: () => JanusGateway | undefined): void {
    const tick = async () => {
      this.poller = undefined;
      if (this.stopped) return;
      const gateway = janus();
      const forwarding = this.process !== undefined;
      try {
        const publishing = gateway ? await gateway.isPublishing(this.videoroomId, this.feedId) : false;
        if (this.stopped) return;
        if (publishing && !forwarding && gateway) await this.startForward(gateway);
        if (!publishing && forwarding) {
          this.logger.info('egress publisher stopped publishing; waiting for it again', { room: this.roomId, memberId: this.memberId });
          // Janus dropped the forwarders with the publish: asking it to stop them races its own teardown.
          await this.stopForward(undefined);
        }
      } catch (err) {
        this.logger.warn('could not check or forward the publisher', { err });
      }
      if (!this.stopped) this.poller = setTimeout(() => void tick(), this.process ? this.settings.pollMs * 4 : this.settings.pollMs);
    };
    this.poller = setTimeout(() => void tick(), 0);
  }

  private async startForward(janus: JanusGateway): Promise<void> {
    try {
      await this.forwardTo(janus);
    } catch (err) {
      // Half started is not started: the next look at the publisher tries again from nothing.
      await this.stopForward(janus);
      throw err;
    }
  }

  private async forwardTo(janus: JanusGateway): Promise<void> {
    const audioPort = await this.portPairs.take();
    this.ports.push(audioPort);
    const videoPort = await this.portPairs.take();
    this.ports.push(videoPort);
    const sdpPath = join(this.settings.workDir, `egress-${this.videoroomId}-${this.feedId}.sdp`);
    this.process = new SupervisedProcess({
      command: this.settings.ffmpegPath,
      args: () => egressArgs({ sdpPath, targetUrl: this.targetUrl, video: this.settings.egressVideo }),
      beforeStart: () => writeFile(sdpPath, egressSdp({ host: this.settings.rtpHost, audioPort, videoPort, video: this.settings.egressVideo })),
      logger: this.logger,
    });
    this.process.start();
    if (this.stopped) return;
    // ffmpeg listens within a moment of starting; Janus asks the publisher for a keyframe when the
    // forward begins, so the first frames ffmpeg gets are decodable.
    await new Promise((resolve) => setTimeout(resolve, 300));
    this.forwarders = await janus.forward({
      room: this.videoroomId,
      secret: this.videoroomSecret,
      feed: this.feedId,
      host: this.settings.rtpHost,
      audio: { port: audioPort, pt: payloadTypes.opus },
      video: { port: videoPort, pt: egressVideoCodec(this.settings.egressVideo).pt },
    });
    this.logger.info('egress forwarding', { room: this.roomId, memberId: this.memberId, audioPort, videoPort });
  }

  private async stopForward(janus: JanusGateway | undefined): Promise<void> {
    for (const id of this.forwarders.splice(0)) await janus?.stopForward(this.videoroomId, this.videoroomSecret, this.feedId, id).catch(() => undefined);
    const running = this.process;
    this.process = undefined;
    await running?.stop();
    for (const port of this.ports.splice(0)) this.portPairs.release(port);
  }

  async stop(janus: JanusGateway | undefined): Promise<void> {
    this.stopped = true;
    clearTimeout(this.poller);
    // A publisher that hung up or unpublished took its forwarders with it. Stopping them again would race
    // Janus's own teardown, and Janus 1.1 (Debian's) can abort on that race: a stream's mutex is freed
    // while stop_rtp_forward holds it (fixed upstream in 1.2.2, janus-gateway#3331). So Janus is asked
    // only while the publisher still publishes; an answer that does not come counts as publishing.
    const publishing = this.forwarders.length > 0 && janus ? await janus.isPublishing(this.videoroomId, this.feedId).catch(() => true) : false;
    await this.stopForward(publishing ? janus : undefined);
    await rm(join(this.settings.workDir, `egress-${this.videoroomId}-${this.feedId}.sdp`), { force: true });
  }
}

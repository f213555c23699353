// Playing and publishing through the media bridge's Janus, from the janus+http webrtcUrl rtcroom
// issues (parsed by the SDK's parseJanusUrl): a mountpoint of the streaming plugin played into a
// MediaStream, and the camera and microphone published as a VideoRoom feed.
import type { JanusTarget } from '@rtcroom/sdk';
import { gathered, JanusSession } from './janus-session.js';

/** A member's stream being played: its MediaStream (video and audio), until stop(). */
export class JanusPlayer {
  readonly stream = new MediaStream();
  private constructor(private readonly janus: JanusSession, readonly pc: RTCPeerConnection) {}

  static async start(target: JanusTarget): Promise<JanusPlayer> {
    if (!target.play) throw new Error('not a play URL (no mountpoint)');
    const janus = await JanusSession.open(target.httpUrl, target.token, 'janus.plugin.streaming');
    try {
      await janus.message({ request: 'watch', id: target.play.mountpointId, pin: target.play.pin });
      const offered = await janus.next((e) => e.jsep?.type === 'offer');
      const pc = new RTCPeerConnection({ iceServers: [] });
      const player = new JanusPlayer(janus, pc);
      pc.ontrack = (e) => player.stream.addTrack(e.track);
      await pc.setRemoteDescription(offered.jsep!);
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      await janus.message({ request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
      return player;
    } catch (err) {
      await janus.close();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.pc.close();
    await this.janus.close();
  }
}

/** The console's camera and microphone published into its VideoRoom feed, until stop(). */
export class JanusPublisher {
  private constructor(private readonly janus: JanusSession, readonly pc: RTCPeerConnection, readonly media: MediaStream) {}

  /** The camera and microphone asked for, then published; released again if publishing fails. */
  static async fromCamera(target: JanusTarget): Promise<JanusPublisher> {
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 15 } });
    try {
      return await JanusPublisher.start(target, media);
    } catch (err) {
      for (const track of media.getTracks()) track.stop();
      throw err;
    }
  }

  static async start(target: JanusTarget, media: MediaStream): Promise<JanusPublisher> {
    if (!target.publish) throw new Error('not a publish URL (no room and feed)');
    const janus = await JanusSession.open(target.httpUrl, target.token, 'janus.plugin.videoroom');
    try {
      const { videoroomId, feedId } = target.publish;
      await janus.message({ request: 'join', ptype: 'publisher', room: videoroomId, id: feedId, token: target.token });
      await janus.next((e) => e.plugindata?.data.videoroom === 'joined');
      const pc = new RTCPeerConnection({ iceServers: [] });
      for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [media] });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const hasAudio = media.getAudioTracks().length > 0;
      const hasVideo = media.getVideoTracks().length > 0;
      await janus.message({ request: 'publish', audio: hasAudio, video: hasVideo }, { type: 'offer', sdp: pc.localDescription!.sdp });
      const answered = await janus.next((e) => e.jsep?.type === 'answer');
      await pc.setRemoteDescription(answered.jsep!);
      return new JanusPublisher(janus, pc, media);
    } catch (err) {
      await janus.close();
      throw err;
    }
  }

  /** Microphone or camera on or off: the track keeps its place, it sends silence or black. */
  setEnabled(kind: 'audio' | 'video', on: boolean): void {
    for (const track of kind === 'audio' ? this.media.getAudioTracks() : this.media.getVideoTracks()) track.enabled = on;
  }

  async stop(): Promise<void> {
    this.pc.close();
    for (const track of this.media.getTracks()) track.stop();
    await this.janus.close();
  }
}

// The members' video tiles of a room (the room view and the agent desk both show them) and the
// console's own publishing. A tile plays the member's stream where rtcroom issued this console a
// janus+http play URL (with its audio), and says why where it did not. The console's own tile shows
// its camera, published to its janus+http push URL with "Camera on", with mute and camera-off
// buttons that also report the media state to the room (setMicrophone / setCamera).
//
// Tiles are kept across redraws (a redraw must not restart a video): render() reconciles the
// container's tiles with the room's members (or, for a supervisor monitoring a call, with its
// parties). One player per URL serves every tile showing it.
import { describeWebRtcUnavailable, parseJanusUrl } from '@rtcroom/sdk';
import type { Member, PlayUrl, RoomSnapshot, RtcRoomClient } from '@rtcroom/sdk';
import { currentLocale, t } from '../i18n.js';
import { esc, memberState } from '../render.js';
import { JanusPlayer, JanusPublisher } from './janus-media.js';

interface Playing {
  users: number;
  player?: JanusPlayer;
  error?: string;
  stopped?: boolean;
}

interface Publishing {
  publisher: JanusPublisher;
  audio: boolean;
  video: boolean;
}

/** What one tile shows: a stream to play (by URL), the local camera, or why there is no video. */
interface TileWant {
  key: string;
  member: Member;
  mine: boolean;
  playUrl?: string;
  why?: string;
}

export class ConsoleMedia {
  private readonly playing = new Map<string, Playing>();
  private readonly publishing = new Map<string, Publishing>();

  constructor(private readonly client: RtcRoomClient, private readonly changed: () => void) {}

  /** Shows the room's members as tiles in `container`; no room: no tiles (their players released). */
  render(container: HTMLElement, room: RoomSnapshot | undefined): void {
    this.reconcile(container, room, room ? room.members.map((m) => this.want(room, m)) : []);
  }

  /**
   * Shows a call's parties as tiles in `container` without a seat of one's own: each plays the URL
   * issued to this console (a supervisor's silent monitoring), or says why it cannot.
   */
  renderParties(container: HTMLElement, parties: { member: Member; playUrl?: PlayUrl }[]): void {
    this.reconcile(container, undefined, parties.map((p) => playWant(p.member, p.playUrl)));
  }

  /** The container's tiles made those wanted: others removed (their players released), the rest drawn. */
  private reconcile(container: HTMLElement, room: RoomSnapshot | undefined, wants: TileWant[]): void {
    const keys = new Set(wants.map((w) => w.key));
    for (const el of [...container.querySelectorAll<HTMLElement>(':scope > .tile')]) {
      if (keys.has(el.dataset.key!)) continue;
      this.release(el.dataset.url);
      el.remove();
    }
    for (const want of wants) this.drawTile(container, room, want);
  }

  /** Stops playing and publishing in rooms no longer joined (left, closed, signed out). */
  prune(joined: Set<string>): void {
    for (const [roomId, p] of this.publishing) {
      if (joined.has(roomId)) continue;
      this.publishing.delete(roomId);
      void p.publisher.stop();
    }
  }

  isPublishing(roomId: string): boolean {
    return this.publishing.has(roomId);
  }

  /** "Camera on": the camera and microphone published to this console's push URL in the room. */
  async publish(roomId: string): Promise<string> {
    const room = this.client.room(roomId);
    const target = parseJanusUrl(room?.pushUrl?.webrtcUrl ?? '');
    if (!room || !target?.publish) throw new Error(t('noPublishUrl'));
    if (this.publishing.has(roomId)) return t('publishing');
    const publisher = await JanusPublisher.fromCamera(target);
    this.publishing.set(roomId, { publisher, audio: true, video: true });
    this.changed();
    await this.client.setMedia(roomId, { audio: true, video: true });
    return t('publishing');
  }

  async stopPublishing(roomId: string): Promise<string> {
    const p = this.publishing.get(roomId);
    if (!p) return t('stoppedPublishing');
    this.publishing.delete(roomId);
    await p.publisher.stop();
    this.changed();
    await this.client.setMedia(roomId, { audio: false, video: false });
    return t('stoppedPublishing');
  }

  /** Mute / unmute, camera off / on: the track is disabled (silence, black) and the room told. */
  async toggle(roomId: string, kind: 'audio' | 'video'): Promise<string> {
    const p = this.publishing.get(roomId);
    if (!p) throw new Error(t('noPublishUrl'));
    const on = !p[kind];
    p[kind] = on;
    p.publisher.setEnabled(kind, on);
    this.changed();
    const state = t(on ? 'stateOn' : 'stateOff');
    if (kind === 'audio') {
      await this.client.setMicrophone(roomId, on);
      return t('microphoneIs', { state });
    }
    await this.client.setCamera(roomId, on);
    return t('cameraIs', { state });
  }

  private want(room: RoomSnapshot, m: Member): TileWant {
    const key = m.memberId;
    if (m.memberId === room.self.memberId) {
      if (this.publishing.has(room.room.id)) return { key, member: m, mine: true };
      const push = room.pushUrl;
      const why = push?.webrtcUrl && !parseJanusUrl(push.webrtcUrl) ? t('tileOtherPlayer') : describeWebRtcUnavailable(push?.webrtcUnavailable ?? '', currentLocale());
      return { key, member: m, mine: true, why: why || (parseJanusUrl(push?.webrtcUrl ?? '')?.publish ? '' : t('noPublishUrl')) };
    }
    return playWant(m, room.playUrls[m.memberId]);
  }

  /** `room` is the joined room the tile is in; none for a monitored call's parties (never `mine`). */
  private drawTile(container: HTMLElement, room: RoomSnapshot | undefined, want: TileWant): void {
    let el = container.querySelector<HTMLElement>(`:scope > .tile[data-key="${CSS.escape(want.key)}"]`);
    if (!el) {
      el = document.createElement('div');
      el.className = 'tile';
      el.dataset.key = want.key;
      el.innerHTML = '<video autoplay playsinline></video><div class="tile-caption"></div><div class="tile-why"></div><div class="tile-actions actions"></div>';
      container.appendChild(el);
    }
    el.setAttribute('data-testid', `tile-${want.member.identity}`);
    const video = el.querySelector('video')!;
    const url = want.playUrl ?? '';
    if ((el.dataset.url ?? '') !== url) {
      this.release(el.dataset.url);
      if (url) this.acquire(url);
      el.dataset.url = url;
      video.srcObject = null;
    }
    let stream: MediaStream | null = null;
    let why = want.why ?? '';
    if (want.mine && room) {
      const p = this.publishing.get(room.room.id);
      stream = p?.publisher.media ?? null;
      video.muted = true; // your own microphone is not played back to you
    } else if (url) {
      const playing = this.playing.get(url);
      stream = playing?.player?.stream ?? null;
      why = playing?.error ? t('tilePlayFailed', { error: playing.error }) : stream ? '' : t('tileConnecting');
    }
    if (video.srcObject !== stream) {
      video.srcObject = stream;
      if (stream && !want.mine) void playWithSound(video, el);
      else if (stream) void video.play().catch(() => undefined);
    }
    el.dataset.playing = stream ? 'true' : 'false';
    video.hidden = !stream;
    const name = want.member.displayName || want.member.identity;
    // Rewritten only when changed: a button replaced between mousedown and mouseup loses its click.
    setHtml(el.querySelector('.tile-caption')!, `<strong>${esc(name)}</strong>${want.mine ? ` <span class="hint">${esc(t('yourCamera'))}</span>` : ''}`);
    setHtml(el.querySelector('.tile-why')!, esc(why));
    setHtml(el.querySelector('.tile-actions')!, want.mine && room ? this.buttons(room) : '');
  }

  private buttons(room: RoomSnapshot): string {
    const roomId = esc(room.room.id);
    const p = this.publishing.get(room.room.id);
    if (!p) {
      const target = parseJanusUrl(room.pushUrl?.webrtcUrl ?? '');
      return target?.publish ? `<button class="small" data-media-publish="${roomId}" data-testid="camera-on">${esc(t('cameraOnButton'))}</button>` : '';
    }
    return [
      `<button class="small quiet" data-media-audio="${roomId}" data-testid="mute" aria-pressed="${!p.audio}">${esc(t(p.audio ? 'muteButton' : 'unmuteButton'))}</button>`,
      `<button class="small quiet" data-media-video="${roomId}" data-testid="camera-off" aria-pressed="${!p.video}">${esc(t(p.video ? 'cameraOffButton' : 'cameraBackButton'))}</button>`,
      `<button class="small danger" data-media-stop="${roomId}" data-testid="camera-stop">${esc(t('stopPublishing'))}</button>`,
    ].join('');
  }

  private acquire(url: string): void {
    const known = this.playing.get(url);
    if (known) {
      known.users++;
      return;
    }
    const playing: Playing = { users: 1 };
    this.playing.set(url, playing);
    JanusPlayer.start(parseJanusUrl(url)!).then(
      (player) => {
        if (playing.stopped) return void player.stop();
        playing.player = player;
        this.changed();
      },
      (err: unknown) => {
        playing.error = err instanceof Error ? err.message : String(err);
        this.changed();
      },
    );
  }

  private release(url: string | undefined): void {
    if (!url) return;
    const playing = this.playing.get(url);
    if (!playing || --playing.users > 0) return;
    this.playing.delete(url);
    playing.stopped = true;
    void playing.player?.stop();
  }
}

/** A tile for another member's stream: its janus+http play URL, or why this console cannot play it. */
function playWant(m: Member, url: PlayUrl | undefined): TileWant {
  const key = m.memberId;
  if (url?.webrtcUrl) return parseJanusUrl(url.webrtcUrl)?.play ? { key, member: m, mine: false, playUrl: url.webrtcUrl } : { key, member: m, mine: false, why: t('tileOtherPlayer') };
  if (url?.webrtcUnavailable) return { key, member: m, mine: false, why: describeWebRtcUnavailable(url.webrtcUnavailable, currentLocale()) };
  return { key, member: m, mine: false, why: t(memberState(m) === 'publishing' ? 'noPlayUrl' : 'notPublishing') };
}

const written = new WeakMap<Element, string>();

/** Rewrites an element's HTML only when it changed: a button replaced between mousedown and mouseup loses its click. */
export function setHtml(el: Element, html: string): void {
  if (written.get(el) === html) return;
  written.set(el, html);
  el.innerHTML = html;
}

/** Plays with sound; where the browser's autoplay policy refuses sound, plays muted with a "Sound on" button. */
async function playWithSound(video: HTMLVideoElement, tile: HTMLElement): Promise<void> {
  video.muted = false;
  try {
    await video.play();
  } catch {
    video.muted = true;
    await video.play().catch(() => undefined);
    const button = document.createElement('button');
    button.className = 'small tile-sound';
    button.textContent = t('soundOn');
    button.addEventListener('click', () => {
      video.muted = false;
      void video.play();
      button.remove();
    });
    tile.appendChild(button);
  }
}

// The supervisor's panel: shown when the signed-in token names supervisor teams. It lists those teams'
// live calls (listLiveCalls, read every 2 s like the desk) and, for one call at a time, monitors it
// silently (both parties as tiles playing the URLs monitorCall issues to this console, kept current by
// monitorUpdate; nobody in the call is told), whispers to its agent (the camera and microphone
// published to the whisper push URL through the same Janus code as "Camera on"; only the agent is
// told), or barges in (a seat everyone sees: the room panel opens it like any joined room).
import { parseJanusUrl } from '@rtcroom/sdk';
import type { RoomSnapshot, RtcRoomClient, RtcRoomEvents } from '@rtcroom/sdk';
import { t } from './i18n.js';
import { JanusPublisher } from './media/janus-media.js';
import { setHtml } from './media/tiles.js';
import type { ConsoleMedia } from './media/tiles.js';
import { ListedCall, liveCallRows, partiesOf, Supervised, supervisedDetail, whyNotPublishable } from './supervise-render.js';

const pollMs = 2000;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the panel needs of the console around it. */
export interface SuperviseHost {
  act(what: string, action: () => Promise<unknown>, button?: HTMLButtonElement | null): void;
  log(text: string, level?: 'info' | 'warning' | 'error'): void;
  /** A seat was taken (barged in): shown in the room panel and logged; says so. */
  entered(room: RoomSnapshot): string;
  media(): ConsoleMedia | undefined;
  /** The call monitored now ('' for none), kept for a reload. */
  monitoring(callId: string): void;
}

export class SupervisorPanel {
  private calls: ListedCall[] = [];
  private supervised?: Supervised;
  private whisperPublisher?: JanusPublisher;
  private readonly timer: ReturnType<typeof setInterval>;
  private loading = false;
  private lastError = '';

  /**
   * `resume`: the call this console monitored before a reload, monitored again once the first read
   * lists it (whispering, which publishes the camera, is not taken up again by itself).
   */
  constructor(
    private readonly client: RtcRoomClient,
    private readonly teams: string[],
    private readonly host: SuperviseHost,
    resume = '',
  ) {
    client.on('monitorUpdate', (e) => this.updated(e));
    this.timer = setInterval(() => void this.refresh(), pollMs);
    void this.refresh().then(() => {
      if (!resume || this.supervised) return;
      if (!this.calls.some((c) => c.call.callId === resume)) return this.host.monitoring('');
      this.host.act(t('actMonitor'), () => this.monitor(resume).finally(() => this.draw()));
    });
  }

  stop(): void {
    clearInterval(this.timer);
    void this.end();
  }

  draw(): void {
    $('supervise').hidden = false;
    $('supervise-teams').textContent = this.teams.join(', ');
    // Rewritten only when changed: the panel is drawn every 2 s and on every event, and a click must land.
    setHtml($('supervise-calls'), liveCallRows(this.calls, this.supervised));
    const s = this.supervised;
    setHtml($('supervise-detail'), s ? supervisedDetail(s, this.client.identity) : '');
    this.host.media()?.renderParties($('supervise-tiles'), s?.monitoring ? partiesOf(s, this.client.identity) : []);
  }

  /** Reads every team's live calls; a failure is logged once, not every 2 s. */
  private async refresh(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const lists = await Promise.all(this.teams.map((team) => this.client.listLiveCalls(team).then((calls) => calls.map((call) => ({ team, call })))));
      this.calls = lists.flat();
      this.lastError = '';
      const s = this.supervised;
      const still = s && this.calls.find((c) => c.call.callId === s.call.callId);
      if (s && !still) await this.end(t('supervisedCallEnded'));
      else if (s && still && !s.monitoring) s.call = still.call; // monitoring keeps its members from monitorUpdate
    } catch (err) {
      const text = `listing live calls failed: ${(err as Error).message}`;
      if (text !== this.lastError) this.host.log(text, 'error');
      this.lastError = text;
    } finally {
      this.loading = false;
    }
    this.draw();
  }

  /** A party's stream started or stopped in the monitored call, or the call ended. */
  private updated(e: RtcRoomEvents['monitorUpdate']): void {
    const s = this.supervised;
    if (!s || s.call.callId !== e.callId) return;
    if (e.ended) return void this.end(t('supervisedCallEnded')).then(() => this.draw());
    if (e.member) {
      const member = e.member;
      s.call = { ...s.call, members: [...s.call.members.filter((m) => m.memberId !== member.memberId), member] };
      if (e.playUrl) s.playUrls.set(member.streamId, e.playUrl);
      if (e.streamStopped) s.playUrls.delete(member.streamId);
    }
    this.draw();
  }

  /** The call to supervise (another one supervised before is let go first). */
  private async take(callId: string): Promise<Supervised> {
    if (this.supervised?.call.callId === callId) return this.supervised;
    await this.end();
    const listed = this.calls.find((c) => c.call.callId === callId);
    if (!listed) throw new Error(t('supervisedCallEnded'));
    this.supervised = { call: listed.call, monitoring: false, playUrls: new Map() };
    return this.supervised;
  }

  private async monitor(callId: string): Promise<string> {
    const s = await this.take(callId);
    if (!s.monitoring) {
      const { call, playUrls } = await this.client.monitorCall(callId);
      s.call = call;
      s.monitoring = true;
      for (const url of playUrls) s.playUrls.set(url.streamId, url);
      this.host.monitoring(callId);
      this.host.log(`monitoring ${call.agentIdentity} with ${call.customerIdentity} (${playUrls.length} stream(s) playing)`);
    }
    return t('monitoringCall', { agent: s.call.agentIdentity, customer: s.call.customerIdentity });
  }

  /** Whispering is coaching: the supervisor hears the call too, so it is monitored as well. */
  private async whisper(callId: string): Promise<string> {
    await this.monitor(callId);
    const s = this.supervised!;
    if (!s.whisper) {
      const { pushUrl } = await this.client.whisper(callId);
      const why = whyNotPublishable(pushUrl);
      s.whisper = { pushUrl, publishing: false, why };
      this.draw();
      if (!why) {
        this.whisperPublisher = await JanusPublisher.fromCamera(parseJanusUrl(pushUrl.webrtcUrl)!).catch((err: Error) => {
          s.whisper!.why = err.message;
          throw err;
        });
        s.whisper.publishing = true;
      }
      this.host.log(`whispering to ${s.call.agentIdentity}${why ? ` (not published from this console: ${why})` : ''}`);
    }
    return t('whisperingTo', { agent: s.call.agentIdentity, customer: s.call.customerIdentity });
  }

  /** Barging in ends the silent modes: from now on the supervisor is in the room like anyone. */
  private async bargeIn(callId: string): Promise<string> {
    if (this.supervised?.call.callId === callId) await this.end();
    const { room } = await this.client.bargeIn(callId);
    return this.host.entered(room);
  }

  /** Stops monitoring and whispering; quietly (the call may be gone). */
  private async end(logged?: string): Promise<void> {
    const s = this.supervised;
    if (!s) return;
    this.supervised = undefined;
    this.host.monitoring('');
    const publisher = this.whisperPublisher;
    this.whisperPublisher = undefined;
    await publisher?.stop();
    if (s.monitoring) await this.client.stopMonitor(s.call.callId).catch(() => undefined);
    if (logged) this.host.log(logged);
  }

  onClick(e: MouseEvent): void {
    const button = (e.target as HTMLElement).closest('button');
    const d = button?.dataset;
    if (!d) return;
    const act = (what: string, action: () => Promise<string>) => this.host.act(what, () => action().finally(() => this.draw()), button);
    if (d.superviseMonitor) act(t('actMonitor'), () => this.monitor(d.superviseMonitor!));
    else if (d.superviseWhisper) act(t('actWhisper'), () => this.whisper(d.superviseWhisper!));
    else if (d.superviseBarge) act(t('actBargeIn'), () => this.bargeIn(d.superviseBarge!));
    else if (d.superviseStop) act(t('actStopSupervising'), () => this.end().then(() => t('stoppedSupervising')));
  }
}

/** Wires the panel's buttons once; they act on the signed-in client's panel, if it has one. */
export function wireSupervise(panel: () => SupervisorPanel | undefined): void {
  $('supervise').addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('[data-supervise-monitor], [data-supervise-whisper], [data-supervise-barge], [data-supervise-stop]')) panel()?.onClick(e);
  });
}

// The recordings of the desk calls this agent held in this session: both sides of each call (the
// customer's stream and the agents'), who, when, how long and how big, and a <video> that plays one.
// A recording is ready a few seconds after its call ends (the media server closes the file, the
// url-issuer remuxes it to MP4), so a call's list is read again with the desk's polls for a while
// after it ended. The urls are signed for this agent and expire: each list brings fresh ones.
import type { Call, CallRecording, RtcRoomClient } from '@rtcroom/sdk';
import { currentLocale, t } from './i18n.js';
import { esc } from './render.js';

/** How long after a call ended its list is read again with every poll. */
const watchMs = 90_000;
/** Calls kept on the list. */
const keep = 5;

interface EndedCall {
  call: Call;
  endedAt: number;
  recordings: CallRecording[];
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const clock = (d: string | number | undefined) => (d === undefined ? '?' : new Date(d).toLocaleTimeString(currentLocale()));

export class CallRecordings {
  private calls: EndedCall[] = [];
  private reading = false;

  constructor(private readonly client: RtcRoomClient) {}

  /** A desk call this agent held has ended: its recordings are listed from now on. */
  ended(call: Call): void {
    if (this.calls.some((c) => c.call.id === call.id)) return;
    this.calls = [{ call, endedAt: Date.now(), recordings: [] }, ...this.calls].slice(0, keep);
    this.draw();
  }

  /** Reads the lists of calls that ended lately (or of every call, `all`); one read at a time. */
  async poll(all = false): Promise<number> {
    if (this.reading) return this.count();
    this.reading = true;
    try {
      for (const c of this.calls.filter((c) => all || Date.now() - c.endedAt < watchMs)) c.recordings = await this.client.listCallRecordings(c.call.id);
    } finally {
      this.reading = false;
    }
    this.draw();
    return this.count();
  }

  private count(): number {
    return this.calls.reduce((n, c) => n + c.recordings.length, 0);
  }

  draw(): void {
    $('desk-recordings-panel').hidden = this.calls.length === 0;
    $('desk-recordings').innerHTML = this.calls.map(callBlock).join('');
  }

  /** Plays a recording (its Play button's url) in the desk's player. */
  play(url: string, identity: string): string {
    const player = $<HTMLVideoElement>('desk-recording-player');
    player.hidden = false;
    player.src = url;
    player.dataset.identity = identity;
    void player.play().catch(() => undefined); // a browser that wants a gesture first: the controls are there
    return t('playingRecording', { identity });
  }
}

function callBlock({ call, endedAt, recordings }: EndedCall): string {
  const rows = recordings.length === 0 ? `<li class="sub">${esc(t('noRecordingsYet'))}</li>` : recordings.map((r) => recordingRow(r, call)).join('');
  return `<div class="recordings-call" data-testid="recordings-call-${esc(call.id)}">
    <div>${esc(t('recordedCallWith', { customer: call.callerIdentity, time: clock(endedAt) }))}</div>
    <ul class="rooms">${rows}</ul></div>`;
}

function recordingRow({ recording: r }: CallRecording, call: Call): string {
  if (!r) return '';
  const seconds = r.startTime && r.endTime ? Math.max(0, Math.round((Date.parse(r.endTime) - Date.parse(r.startTime)) / 1000)) : 0;
  const side = t(r.identity === call.callerIdentity ? 'recordingSideCustomer' : 'recordingSideAgent');
  const facts = t('recordingFacts', { time: clock(r.startTime), seconds, size: (r.sizeBytes / 1e6).toFixed(1), format: r.format });
  const play = r.url
    ? `<button class="small" data-recording-play="${esc(r.url)}" data-recording-identity="${esc(r.identity)}" data-testid="recording-play-${esc(r.identity)}">${esc(t('playRecording'))}</button>`
    : `<span class="none">${esc(t('recordingNoUrl'))}</span>`;
  return `<li data-testid="recording-${esc(r.identity)}" data-recording="${esc(r.id)}"><span><strong>${esc(r.identity)}</strong> <span class="badge">${esc(side)}</span>
    <span class="sub">${esc(facts)}</span></span>${play}</li>`;
}

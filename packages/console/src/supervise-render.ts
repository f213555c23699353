// Turning the supervisor's panel into HTML: its teams' live calls with Monitor, Whisper, Barge in and
// Stop, and the call being supervised - its parties with the play URLs issued to the supervisor, and
// the whisper's push URL. Every value from the server is escaped.
import { describeWebRtcUnavailable, parseJanusUrl } from '@rtcroom/sdk';
import type { LiveCall, Member, PlayUrl, PushUrl } from '@rtcroom/sdk';
import { currentLocale, t } from './i18n.js';
import { esc, memberState, memberStateLabel, playUrlOf } from './render.js';

/** A live call as listed, with the name of the team it was listed under. */
export interface ListedCall {
  team: string;
  call: LiveCall;
}

/** The call being supervised: what the supervisor does in it, and what it was given. */
export interface Supervised {
  call: LiveCall;
  monitoring: boolean;
  /** Play URLs issued to the supervisor, by stream id (monitorCall, then monitorUpdate). */
  playUrls: Map<string, PlayUrl>;
  whisper?: { pushUrl: PushUrl; publishing: boolean; why: string };
}

/** When the call was answered, as a clock time: it changes only with the call, so a redraw keeps the row's buttons. */
const since = (answerTime: string | undefined) => (answerTime ? new Date(answerTime).toLocaleTimeString() : '');

export function liveCallRows(calls: ListedCall[], supervised: Supervised | undefined): string {
  if (calls.length === 0) return `<tr><td colspan="5" class="sub">${esc(t('noLiveCalls'))}</td></tr>`;
  return calls
    .map(({ team, call }) => {
      const id = esc(call.callId);
      const mine = supervised?.call.callId === call.callId;
      const buttons = [
        `<button class="small" data-supervise-monitor="${id}" data-testid="supervise-monitor" ${mine && supervised.monitoring ? 'disabled' : ''}>${esc(t('monitor'))}</button>`,
        `<button class="small" data-supervise-whisper="${id}" data-testid="supervise-whisper" ${mine && supervised.whisper ? 'disabled' : ''}>${esc(t('whisper'))}</button>`,
        `<button class="small" data-supervise-barge="${id}" data-testid="supervise-barge-in">${esc(t('bargeIn'))}</button>`,
        mine ? `<button class="small danger" data-supervise-stop="${id}" data-testid="supervise-stop">${esc(t('stopSupervising'))}</button>` : '',
      ].join(' ');
      return `<tr data-call="${id}" data-testid="live-call-${esc(call.customerIdentity)}" class="${mine ? 'active' : ''}">
        <td>${esc(team)}</td><td>${esc(call.agentIdentity)}</td><td>${esc(call.customerIdentity)}</td>
        <td class="sub">${esc(since(call.answerTime))}</td><td class="actions">${buttons}</td></tr>`;
    })
    .join('');
}

/** The parties shown as tiles: the call's members still in it, each with the URL issued to the supervisor. */
export function partiesOf(s: Supervised, me: string): { member: Member; playUrl?: PlayUrl }[] {
  return s.call.members.filter((m) => m.identity !== me && m.state !== 'MEMBER_STATE_LEFT').map((member) => ({ member, playUrl: s.playUrls.get(member.streamId) }));
}

/** What is going on in the supervised call: who is heard, who hears you, and the URLs behind it. */
export function supervisedDetail(s: Supervised, me: string): string {
  const names = { agent: s.call.agentIdentity, customer: s.call.customerIdentity };
  const lines: string[] = [];
  if (s.monitoring) {
    const rows = partiesOf(s, me)
      .map(({ member, playUrl }) => {
        const url = playUrlOf(playUrl);
        return `<li data-testid="monitor-party-${esc(member.identity)}" data-state="${memberState(member)}"><strong>${esc(member.identity)}</strong>
          <span class="badge badge-${memberState(member)}">${esc(memberStateLabel(memberState(member)))}</span>
          ${url ? `<span class="hint">${esc(t('play'))}</span> <code>${esc(url)}</code>` : `<span class="none">${esc(t('notPublishing'))}</span>`}</li>`;
      })
      .join('');
    lines.push(`<div data-testid="supervise-monitoring">${esc(t('monitoringCall', names))}</div><ul class="rooms">${rows}</ul>`);
  }
  if (s.whisper) {
    const w = s.whisper;
    lines.push(`<div data-testid="supervise-whispering">${esc(t('whisperingTo', names))}</div>
      <div class="hint">${esc(t('whisperPushUrl'))} <code data-testid="whisper-push-url">${esc(w.pushUrl.webrtcUrl || w.pushUrl.url)}</code></div>
      ${w.why ? `<div class="none" data-testid="whisper-why">${esc(t('whisperNotPublished', { why: w.why }))}</div>` : ''}`);
  }
  return lines.join('');
}

/** Why this console cannot publish to a push URL itself (empty when it can: a janus+http publish URL). */
export function whyNotPublishable(pushUrl: PushUrl): string {
  if (parseJanusUrl(pushUrl.webrtcUrl)?.publish) return '';
  if (pushUrl.webrtcUrl) return t('tileOtherPlayer');
  return describeWebRtcUnavailable(pushUrl.webrtcUnavailable, currentLocale()) || t('noPublishUrl');
}

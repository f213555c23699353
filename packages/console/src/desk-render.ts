// Turning the agent desk into HTML: the call offered, an invitation, the call in progress with its
// members and URLs, the team's agents and queue, its figures. Every value from the server is escaped.
import type { Agent, AgentState, Call, PlayUrl, RoomSnapshot, TeamStats, UiKey } from '@rtcroom/sdk';
import { t } from './i18n.js';
import { callStateLabel, esc, memberState, memberStateLabel, playUrlOf, short } from './render.js';

const agentStates: Record<AgentState, UiKey> = {
  AGENT_STATE_UNSPECIFIED: 'agentStateUnknown',
  AGENT_STATE_AVAILABLE: 'agentStateAvailable',
  AGENT_STATE_AWAY: 'agentStateAway',
  AGENT_STATE_RINGING: 'agentStateRinging',
  AGENT_STATE_IN_CALL: 'agentStateInCall',
  AGENT_STATE_WRAP_UP: 'agentStateWrapUp',
  AGENT_STATE_SIGNED_OUT: 'agentStateSignedOut',
};

export const agentStateLabel = (state: AgentState | undefined) => (!state ? t('notSignedIn') : agentStates[state] ? t(agentStates[state]) : short(state, 'AGENT_STATE_'));

/** A sentence around one name in bold: the catalog's words, the name escaped. */
const withBold = (key: UiKey, name: string, params: Record<string, string> = {}) => {
  const [before, after] = t(key, { ...params, caller: '\u0000' }).split('\u0000');
  return `${esc(before)}<strong>${esc(name)}</strong>${esc(after)}`;
};

const metadataLine = (call: Call) => (call.metadata ? `<div class="meta" data-testid="desk-metadata">${esc(call.metadata)}</div>` : '');

export function offerBlock(call: Call, callerPlayUrl: PlayUrl | undefined): string {
  return `<div>${withBold('callingTheTeam', call.callerIdentity)}</div>
    ${metadataLine(call)}
    ${callerPlayUrl ? `<div class="hint">${esc(t('theirStreamSigned'))} <code>${esc(playUrlOf(callerPlayUrl))}</code></div>` : ''}
    <div class="actions">
      <button data-desk-accept="${esc(call.id)}" data-testid="desk-accept">${esc(t('accept'))}</button>
      <button class="danger" data-desk-reject="${esc(call.id)}" data-testid="desk-reject">${esc(t('reject'))}</button>
    </div>`;
}

export function invitationBlock(call: Call): string {
  return `<div>${withBold('invitedInto', call.callerIdentity, { callee: call.calleeIdentity })}</div>
    ${metadataLine(call)}
    <div class="actions">
      <button data-desk-join="${esc(call.id)}" data-testid="desk-join">${esc(t('join'))}</button>
      <button class="quiet" data-desk-dismiss="${esc(call.id)}">${esc(t('dismiss'))}</button>
    </div>`;
}

/** The call in progress: who it is with, and every member with the URL issued to you. */
export function callDetail(call: Call, room: RoomSnapshot): string {
  const rows = room.members
    .map((m) => {
      const mine = m.memberId === room.self.memberId;
      // Your push URL is shown once, in the room panel, where the call's room is open.
      const url = mine ? undefined : playUrlOf(room.playUrls[m.memberId]);
      return `<tr data-testid="desk-member-${esc(m.identity)}" data-identity="${esc(m.identity)}" data-state="${memberState(m)}">
        <td><strong>${esc(m.displayName || m.identity)}</strong>${mine ? `<span class="you">${esc(t('youTag'))}</span>` : ''}</td>
        <td><span class="badge badge-${memberState(m)}">${esc(memberStateLabel(memberState(m)))}</span></td>
        <td class="url">${mine ? `<span class="none">${esc(t('deskPushUrlInRoomPanel'))}</span>` : url ? `<span class="hint">${esc(t('play'))} </span><code>${esc(url)}</code>` : `<span class="none">${esc(t('notPublishing'))}</span>`}</td>
      </tr>`;
    })
    .join('');
  return `<div>${esc(t('callWithCustomer'))} <strong data-testid="desk-customer">${esc(call.callerIdentity)}</strong>
      <span class="badge badge-${short(call.state, 'CALL_STATE_')}" data-testid="desk-call-state">${esc(callStateLabel(call.state))}</span></div>
    ${metadataLine(call)}
    <table class="members"><thead><tr><th>${esc(t('member'))}</th><th>${esc(t('state'))}</th><th>${esc(t('urlIssuedToYou'))}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function agentRows(agents: Agent[], me: string): string {
  if (agents.length === 0) return `<li class="sub">${esc(t('noAgents'))}</li>`;
  return agents
    .map(
      (a) => `<li data-identity="${esc(a.identity)}"><span>${esc(a.identity)}${a.identity === me ? `<span class="you">${esc(t('youTag'))}</span>` : ''}</span>
        <span class="badge badge-agent-${esc(a.state)}">${esc(agentStateLabel(a.state))}${a.busyElsewhere !== 'AGENT_STATE_UNSPECIFIED' ? esc(t('busyForAnotherTeam', { state: agentStateLabel(a.busyElsewhere).toLowerCase() })) : ''}${a.connected ? '' : esc(t('agentOffline'))}</span></li>`,
    )
    .join('');
}

export function queueRows(queue: Call[]): string {
  if (queue.length === 0) return `<li class="sub">${esc(t('noOneWaiting'))}</li>`;
  return queue
    .map((c) => {
      const where = esc(c.state === 'CALL_STATE_QUEUED' ? t('queuePlace', { position: c.queuePosition, seconds: c.estimatedWaitSeconds }) : c.state === 'CALL_STATE_RINGING' ? t('ringingAgent', { agent: c.calleeIdentity }) : callStateLabel(c.state));
      return `<li data-call="${esc(c.id)}" data-testid="desk-queued-${esc(c.callerIdentity)}"><span>${esc(c.callerIdentity)}${c.metadata ? ` <span class="sub">${esc(c.metadata)}</span>` : ''}</span><span class="sub">${where}</span></li>`;
    })
    .join('');
}

export function statsLine(s: TeamStats): string {
  return t('teamStats', {
    offered: s.callsOffered,
    answered: s.callsAnswered,
    abandoned: s.callsAbandoned,
    waiting: s.waitingNow,
    averageWait: s.averageWaitSeconds.toFixed(1),
    available: s.agentsAvailable,
    signedIn: s.agentsSignedIn,
  });
}

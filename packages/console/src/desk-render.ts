// Turning the agent desk into HTML: the call offered, an invitation, the call in progress with its
// members and URLs, the team's agents and queue, its figures. Every value from the server is escaped.
import type { Agent, AgentState, Call, PlayUrl, RoomSnapshot, TeamStats } from '@rtcroom/sdk';
import { esc, memberState, playUrlOf, short } from './render.js';

export const agentStateLabel = (state: AgentState | undefined) => (state ? short(state, 'AGENT_STATE_') : 'not signed in');

const metadataLine = (call: Call) => (call.metadata ? `<div class="meta" data-testid="desk-metadata">${esc(call.metadata)}</div>` : '');

export function offerBlock(call: Call, callerPlayUrl: PlayUrl | undefined): string {
  return `<div><strong>${esc(call.callerIdentity)}</strong> is calling the team.</div>
    ${metadataLine(call)}
    ${callerPlayUrl ? `<div class="hint">Their stream, signed for you: <code>${esc(playUrlOf(callerPlayUrl))}</code></div>` : ''}
    <div class="actions">
      <button data-desk-accept="${esc(call.id)}" data-testid="desk-accept">Accept</button>
      <button class="danger" data-desk-reject="${esc(call.id)}" data-testid="desk-reject">Reject</button>
    </div>`;
}

export function invitationBlock(call: Call): string {
  return `<div>You are invited into <strong>${esc(call.callerIdentity)}</strong>'s call with ${esc(call.calleeIdentity)}.</div>
    ${metadataLine(call)}
    <div class="actions">
      <button data-desk-join="${esc(call.id)}" data-testid="desk-join">Join</button>
      <button class="quiet" data-desk-dismiss="${esc(call.id)}">Dismiss</button>
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
        <td><strong>${esc(m.displayName || m.identity)}</strong>${mine ? '<span class="you">(you)</span>' : ''}</td>
        <td><span class="badge badge-${memberState(m)}">${memberState(m)}</span></td>
        <td class="url">${mine ? '<span class="none">your push URL is in the room panel</span>' : url ? `<span class="hint">play </span><code>${esc(url)}</code>` : '<span class="none">not publishing</span>'}</td>
      </tr>`;
    })
    .join('');
  return `<div>With <strong data-testid="desk-customer">${esc(call.callerIdentity)}</strong>
      <span class="badge badge-${short(call.state, 'CALL_STATE_')}" data-testid="desk-call-state">${short(call.state, 'CALL_STATE_')}</span></div>
    ${metadataLine(call)}
    <table class="members"><thead><tr><th>Member</th><th>State</th><th>URL issued to you</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function agentRows(agents: Agent[], me: string): string {
  if (agents.length === 0) return '<li class="sub">No agents yet.</li>';
  return agents
    .map(
      (a) => `<li data-identity="${esc(a.identity)}"><span>${esc(a.identity)}${a.identity === me ? '<span class="you">(you)</span>' : ''}</span>
        <span class="badge badge-agent-${esc(a.state)}">${agentStateLabel(a.state)}${a.busyElsewhere !== 'AGENT_STATE_UNSPECIFIED' ? ` · ${agentStateLabel(a.busyElsewhere).toLowerCase()} for another team` : ''}${a.connected ? '' : ' · offline'}</span></li>`,
    )
    .join('');
}

export function queueRows(queue: Call[]): string {
  if (queue.length === 0) return '<li class="sub">Nobody is waiting.</li>';
  return queue
    .map((c) => {
      const where = c.state === 'CALL_STATE_QUEUED' ? `#${c.queuePosition} · about ${c.estimatedWaitSeconds} s` : c.state === 'CALL_STATE_RINGING' ? `ringing ${esc(c.calleeIdentity)}` : short(c.state, 'CALL_STATE_');
      return `<li data-call="${esc(c.id)}" data-testid="desk-queued-${esc(c.callerIdentity)}"><span>${esc(c.callerIdentity)}${c.metadata ? ` <span class="sub">${esc(c.metadata)}</span>` : ''}</span><span class="sub">${where}</span></li>`;
    })
    .join('');
}

export function statsLine(s: TeamStats): string {
  return `last 24 h: ${s.callsOffered} calls, ${s.callsAnswered} answered, ${s.callsAbandoned} abandoned · ${s.waitingNow} waiting · ` +
    `average wait ${s.averageWaitSeconds.toFixed(1)} s · ${s.agentsAvailable}/${s.agentsSignedIn} agents available`;
}

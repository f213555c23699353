// The agent desk: an agent of a service-desk team (its token's agent grant names the team) sets its
// state, answers the calls offered to it, sees its team's agents and queue, and in a call hands it on,
// invites a colleague and hangs up. States the system sets (ringing, in call, wrap-up) and the queue
// are read with getTeam every 2 s; offers, withdrawals and invitations come as SDK events. The calls
// it held end up on its list of call recordings (call-recordings.ts), played in the desk.
import type { Answer, Call, PlayUrl, RoomSnapshot, RtcRoomClient, SettableAgentState, TeamStats } from '@rtcroom/sdk';
import { CallRecordings } from './call-recordings.js';
import { agentRows, agentStateLabel, callDetail, invitationBlock, offerBlock, queueRows, statsLine } from './desk-render.js';
import { status, submitButton } from './feedback.js';
import { t } from './i18n.js';

const pollMs = 2000;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the desk needs of the console around it. */
export interface DeskHost {
  /** Runs a click's action with visible feedback (busy and failed buttons, the status line), logs its failure, and redraws. */
  act(what: string, action: () => Promise<unknown>, button?: HTMLButtonElement | null): void;
  log(text: string, level?: 'info' | 'warning' | 'error'): void;
  /** The agent took a seat (answered, joined a call): shown in the room panel and logged; says so. */
  entered(room: RoomSnapshot): string;
  /** Shows the call's members as video tiles in the container (none without a room): media/tiles.ts. */
  tiles(container: HTMLElement, room: RoomSnapshot | undefined): void;
  /** The agent opened a team's desk (kept for a reload). */
  teamOpened(team: string): void;
}

export class AgentDesk {
  private team = '';
  private view?: Answer<'getTeam'>;
  private stats?: TeamStats;
  private offer?: { call: Call; callerPlayUrl?: PlayUrl };
  private invitation?: Call;
  private timer?: ReturnType<typeof setInterval>;
  private loading = false;
  private again = false;
  private lastError = '';
  /** The desk call this agent holds a seat in (drawn last), whose end puts it on the recordings list. */
  private heldCall?: Call;
  readonly recordings: CallRecordings;

  constructor(
    private readonly client: RtcRoomClient,
    readonly host: DeskHost,
  ) {
    client.on('incomingCall', (e) => {
      if (!e.call.teamId) return;
      this.offer = e;
      void this.refresh();
    });
    client.on('offerWithdrawn', (e) => this.forget(e.call.id));
    client.on('callInvitation', (e) => (this.invitation = e.call));
    client.on('callEnded', (e) => {
      if (e.call.id === this.heldCall?.id) this.recordings.ended(e.call);
      this.forget(e.call.id);
    });
    this.recordings = new CallRecordings(client);
  }

  /** Opens a team's desk, and reads it every 2 s from then on. */
  open(team: string, button: HTMLButtonElement | null): void {
    this.team = team;
    this.host.teamOpened(team);
    $<HTMLInputElement>('desk-team').value = team;
    this.view = undefined;
    this.stats = undefined;
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.refresh(), pollMs);
    this.draw();
    // The first read shows its outcome on the button and in the status line; the polls only log.
    this.host.act(t('actOpenTeam', { team }), async () => {
      await this.read(team);
      this.lastError = '';
      return t('deskOpen', { team: this.view?.team.displayName || team });
    }, button);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  draw(): void {
    const me = this.client.identity;
    this.drawOffer();
    this.drawCall();
    $('desk-body').hidden = !this.team;
    if (!this.team) return;
    $('desk-team-name').textContent = this.view?.team.displayName || this.team;
    const mine = this.view?.agents.find((a) => a.identity === me);
    const badge = $('desk-my-state');
    const state = mine?.state ?? 'AGENT_STATE_UNSPECIFIED';
    badge.textContent = agentStateLabel(mine?.state);
    badge.dataset.state = state;
    badge.className = `badge badge-agent-${state}`;
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-agent-state]')) b.classList.toggle('active', b.dataset.agentState === mine?.state);
    $('desk-agents').innerHTML = this.view ? agentRows(this.view.agents, me) : '';
    $('desk-queue').innerHTML = this.view ? queueRows(this.view.queue) : '';
    $('desk-stats').textContent = this.stats ? statsLine(this.stats) : '';
  }

  private drawOffer(): void {
    const ringing = this.offer && this.client.call(this.offer.call.id)?.state === 'CALL_STATE_RINGING' ? this.offer : undefined;
    $('desk-offer').hidden = !ringing;
    $('desk-offer').innerHTML = ringing ? offerBlock(ringing.call, ringing.callerPlayUrl) : '';
    const invited = this.invitation && !this.client.room(this.invitation.roomId) ? this.invitation : undefined;
    $('desk-invitation').hidden = !invited;
    $('desk-invitation').innerHTML = invited ? invitationBlock(invited) : '';
  }

  /** The desk call this client holds a seat in, if any. */
  private held(): Call | undefined {
    return this.client.activeCalls().find((c) => c.teamId && c.state === 'CALL_STATE_ACTIVE' && this.client.room(c.roomId));
  }

  private drawCall(): void {
    const call = this.held();
    if (call) this.heldCall = call;
    const room = call && this.client.room(call.roomId);
    $('desk-call').hidden = !room;
    $('desk-call').dataset.call = call?.id ?? '';
    $('desk-call-detail').innerHTML = call && room ? callDetail(call, room) : '';
    this.host.tiles($('desk-tiles'), call && room ? room : undefined);
  }

  private forget(callId: string): void {
    if (this.offer?.call.id === callId) this.offer = undefined;
    if (this.invitation?.id === callId) this.invitation = undefined;
    void this.refresh();
  }

  /** Reads the team and its figures; one read at a time, and one more when asked meanwhile. */
  private async refresh(): Promise<void> {
    if (!this.team) return;
    if (this.loading) {
      this.again = true;
      return;
    }
    this.loading = true;
    const team = this.team;
    try {
      await Promise.all([this.read(team), this.recordings.poll()]);
      this.lastError = '';
    } catch (err) {
      // Logged once, not every 2 s.
      const text = `reading team ${team} failed: ${(err as Error).message}`;
      if (text !== this.lastError) this.host.log(text, 'error');
      this.lastError = text;
    } finally {
      this.loading = false;
    }
    this.draw();
    if (this.again) {
      this.again = false;
      void this.refresh();
    }
  }

  /** Reads the team and its figures, and keeps them while the team is still the one open. */
  private async read(team: string): Promise<void> {
    const [view, stats] = await Promise.all([this.client.getTeam(team), this.client.getTeamStats(team)]);
    if (team === this.team) [this.view, this.stats] = [view, stats];
  }

  /** Runs an action, then reads the team again (the agent's state follows it). */
  private act(what: string, action: () => Promise<unknown>, button?: HTMLButtonElement | null): void {
    this.host.act(what, async () => {
      const done = await action();
      await this.refresh();
      return done;
    }, button);
  }

  transfer(to: (target: string) => { toIdentity: string } | { toTeam: string }, button: HTMLButtonElement): void {
    const callId = $('desk-call').dataset.call;
    const input = $<HTMLInputElement>('desk-transfer-to');
    const target = input.value.trim();
    if (!callId) return status(t('noCallToTransfer'), 'error');
    if (!target) {
      input.focus();
      return status(t('typeTransferTarget'), 'error');
    }
    this.act(t('actTransfer'), async () => {
      await this.client.transferCall(callId, to(target));
      this.host.log(`call handed to ${target}`);
      return t('callHandedTo', { target });
    }, button);
  }

  invite(button: HTMLButtonElement | null): void {
    const callId = $('desk-call').dataset.call;
    const identity = $<HTMLInputElement>('desk-invite-identity').value.trim();
    if (!callId || !identity) return status(t(callId ? 'typeInvitee' : 'noCallToInviteInto'), 'error');
    this.act(t('actInvite'), async () => {
      await this.client.inviteToCall(callId, identity);
      this.host.log(`invited ${identity} into the call`);
      return t('invitedIntoCall', { identity });
    }, button);
  }

  hangUp(button: HTMLButtonElement): void {
    const callId = $('desk-call').dataset.call;
    if (!callId) return status(t('noCallToHangUp'), 'error');
    this.act(t('actHangUp'), () => this.client.hangUp(callId).then(() => t('hungUp')), button);
  }

  /** The buttons drawn inside the desk: state switch, offer, invitation. */
  onClick(e: MouseEvent): void {
    const button = (e.target as HTMLElement).closest('button');
    const d = button?.dataset;
    if (!d) return;
    const c = this.client;
    if (d.agentState && !this.team) status(t('openTeamFirst'), 'error');
    else if (d.agentState) {
      const state = d.agentState as SettableAgentState;
      this.act(t('actSetState'), () => c.setAgentState(this.team, state).then(() => t('youAreStateIn', { state: agentStateLabel(state), team: this.team })), button);
    } else if (d.deskAccept) this.act(t('actAccept'), async () => {
      const { room } = await c.answerCall(d.deskAccept!, true);
      this.offer = undefined;
      return room ? this.host.entered(room) : t('callAccepted');
    }, button);
    else if (d.deskReject) this.act(t('actReject'), async () => {
      await c.rejectCall(d.deskReject!);
      this.offer = undefined;
      return t('callRejected');
    }, button);
    else if (d.deskJoin) this.act(t('actJoinCall'), async () => {
      const { room } = await c.answerCall(d.deskJoin!, true);
      this.invitation = undefined;
      return room ? this.host.entered(room) : t('joinedTheCall');
    }, button);
    else if (d.recordingPlay) status(this.recordings.play(d.recordingPlay, d.recordingIdentity ?? ''));
    else if (d.deskDismiss) {
      this.invitation = undefined;
      this.draw();
      status(t('invitationDismissed'));
    }
  }
}

/** Wires the desk's controls once; they act on the signed-in client's desk. */
export function wireDesk(desk: () => AgentDesk | undefined): void {
  $('desk-team-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const team = $<HTMLInputElement>('desk-team').value.trim();
    if (team) desk()?.open(team, submitButton(e));
  });
  // The buttons drawn inside the desk (state switch, offer, invitation); its fixed controls below.
  $('desk').addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('[data-agent-state], [data-desk-accept], [data-desk-reject], [data-desk-join], [data-desk-dismiss], [data-recording-play]')) desk()?.onClick(e);
  });
  $('desk-recordings-refresh').addEventListener('click', () => {
    const d = desk();
    if (d) d.host.act(t('actListRecordings'), async () => t('recordingsListed', { count: await d.recordings.poll(true) }), $<HTMLButtonElement>('desk-recordings-refresh'));
  });
  $('desk-transfer-agent').addEventListener('click', () => desk()?.transfer((to) => ({ toIdentity: to }), $<HTMLButtonElement>('desk-transfer-agent')));
  $('desk-transfer-team').addEventListener('click', () => desk()?.transfer((to) => ({ toTeam: to }), $<HTMLButtonElement>('desk-transfer-team')));
  $('desk-invite-form').addEventListener('submit', (e) => {
    e.preventDefault();
    desk()?.invite(submitButton(e));
  });
  $('desk-hang-up').addEventListener('click', () => desk()?.hangUp($<HTMLButtonElement>('desk-hang-up')));
}

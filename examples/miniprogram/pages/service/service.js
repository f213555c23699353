// Customer service: the customer calls a team of agents (config.serviceTeam), with an optional note the
// agent sees. callTeam gives a seat and a push URL; once the push began (1002, reported by
// handlePusherStateChange) the call waits in the team's queue (callQueued: your place and the wait,
// told again as the queue moves) and is offered to an agent (callConnecting: the agent's phone rings;
// if the agent declines, the call goes back to the queue). The agent's stream plays once its push
// began. The team records its calls: nothing to do here for that. Opened again mid-call
// (?rejoin=<call id>), rejoinCall takes the seat back.
const { handlePlayerStateChange, handlePusherStateChange } = require('@rtcroom/sdk');
const { getClient } = require('../../utils/session.js');
const config = require('../../config.js');
const lang = require('../../utils/lang.js');

const stateText = {
  CALL_STATE_DIALING: 'callStateDialing',
  CALL_STATE_QUEUED: 'callStateQueued',
  CALL_STATE_RINGING: 'callStateConnecting',
  CALL_STATE_ACTIVE: 'callStateActive',
  CALL_STATE_ENDED: 'callStateEnded',
};

const refusals = {
  QUEUE_FULL: 'linesBusy',
  TEAM_CLOSED: 'serviceClosed',
};

const endedWords = {
  CALL_END_REASON_HUNG_UP: 'callEnded',
  CALL_END_REASON_CANCELLED: 'callCancelled',
  CALL_END_REASON_TIMEOUT: 'callNoAnswer',
  CALL_END_REASON_CONNECTION_LOST: 'callConnectionLost',
};

const waitText = (position, seconds) => lang.t('waitingInLine', { position, minutes: Math.max(1, Math.ceil(seconds / 60)) });

Page({
  data: { team: '', note: '', busy: false, error: '', callId: '', roomId: '', pushUrl: '', remoteUrl: '', remoteMemberId: '', status: '', stateText: '', active: false, t: {} },

  onLoad(query) {
    this.setData({ t: lang.strings() });
    const client = getClient();
    this.client = client;
    this.setData({ team: query.team ? decodeURIComponent(query.team) : config.serviceTeam || '' });
    this.offs = [
      client.on('callUpdated', ({ call }) => call.id === this.data.callId && this.show(call)),
      client.on('callQueued', (e) => e.call.id === this.data.callId && this.setData({ status: waitText(e.position, e.estimatedWaitSeconds) })),
      client.on('callConnecting', ({ call }) => call.id === this.data.callId && this.setData({ status: lang.t('connecting') })),
      client.on('callEnded', ({ call, reason }) => call.id === this.data.callId && this.ended(reason)),
      client.on('streamReady', (e) => e.roomId === this.data.roomId && !e.self && e.playUrl && this.setData({ remoteUrl: e.playUrl.rtcUrl, remoteMemberId: e.member.memberId })),
      client.on('streamStopped', (e) => e.roomId === this.data.roomId && !e.self && e.member.memberId === this.data.remoteMemberId && this.setData({ remoteUrl: '', status: lang.t('theirVideoPaused') })),
      // The agent handed the call on: the next one's stream follows (callQueued or callConnecting says where it stands).
      client.on('memberLeft', (e) => e.roomId === this.data.roomId && !e.self && e.member.memberId === this.data.remoteMemberId && this.setData({ remoteUrl: '', remoteMemberId: '' })),
      client.on('pushUrl', (e) => e.roomId === this.data.roomId && this.setData({ pushUrl: e.pushUrl.url })),
    ];
    if (query.rejoin) this.rejoin(query.rejoin).catch((err) => this.setData({ error: lang.errorText(err) }));
  },

  /** Back into the call after the mini-program was opened again (app.js, callToRejoin): the seat back, the agent played. */
  async rejoin(callId) {
    const { call, room } = await this.client.rejoinCall(callId);
    const agent = room.members.find((m) => m.identity !== this.client.identity && m.identity === call.calleeIdentity);
    const agentUrl = agent && room.playUrls[agent.memberId];
    this.setData({ callId, roomId: room.room.id, pushUrl: room.pushUrl.url, remoteUrl: agentUrl ? agentUrl.rtcUrl : '', remoteMemberId: agent ? agent.memberId : '', status: '' });
    this.show(call);
  },

  onTeam(e) { this.setData({ team: e.detail.value.trim() }); },
  onNote(e) { this.setData({ note: e.detail.value }); },

  async call() {
    if (!this.data.team || this.data.busy) return;
    this.setData({ busy: true, error: '' });
    try {
      await this.place(this.data.team, this.data.note.trim());
    } catch (err) {
      this.setData({ error: refusals[err.code] ? lang.t(refusals[err.code]) : lang.errorText(err) });
    } finally {
      this.setData({ busy: false });
    }
  },

  async place(team, note) {
    const { call, room } = await this.client.callTeam(team, { metadata: note });
    this.setData({ callId: call.id, roomId: room.room.id, pushUrl: room.pushUrl.url, remoteUrl: '', remoteMemberId: '', status: lang.t('calling') });
    this.show(call);
  },

  show(call) {
    const active = call.state === 'CALL_STATE_ACTIVE';
    this.setData({ stateText: stateText[call.state] ? lang.t(stateText[call.state]) : '', active });
    // Answered: the agent's video follows once its push began.
    if (active && !this.data.remoteUrl) this.setData({ status: lang.t('connected') });
  },

  ended(reason) {
    this.setData({ callId: '', roomId: '', pushUrl: '', remoteUrl: '', remoteMemberId: '', status: '', stateText: lang.t('callStateEnded'), active: false });
    wx.showToast({ title: lang.t(endedWords[reason] || 'callEnded'), icon: 'none' });
  },

  end() {
    if (!this.data.callId) return;
    // callEnded follows, and brings the form back.
    this.finish().catch(() => wx.navigateBack());
  },

  finish() {
    const { callId, active } = this.data;
    return active ? this.client.hangUp(callId) : this.client.cancelCall(callId);
  },

  onPusherState(e) {
    handlePusherStateChange(this.client, this.data.roomId, e).then((r) => {
      if (r.pushUrl) this.setData({ pushUrl: r.pushUrl.url });
    });
  },

  onPusherError(e) {
    wx.showToast({ title: lang.t('cameraOrMicrophone', { error: e.detail.errMsg }), icon: 'none' });
  },

  onPlayerState(e) {
    handlePlayerStateChange(this.client, this.data.roomId, e.currentTarget.dataset.memberId, e);
  },

  onUnload() {
    (this.offs || []).forEach((off) => off());
    if (this.data.callId) this.finish().catch(() => undefined);
  },
});

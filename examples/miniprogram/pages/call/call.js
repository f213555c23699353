// A 1:1 call, either side. Calling: placeCall gives a seat and a push URL; once the push began (1002,
// reported by handlePusherStateChange) the callee's phone rings. Answering: answerCall gives a seat, a
// push URL and the caller's play URL. Each side plays the other once the other's push began. Opened
// again mid-call (?rejoin=<call id>), rejoinCall takes the seat back.
const { handlePlayerStateChange, handlePusherStateChange } = require('@rtcroom/sdk');
const { getClient } = require('../../utils/session.js');
const lang = require('../../utils/lang.js');

const stateText = {
  CALL_STATE_DIALING: 'callStateDialing',
  CALL_STATE_RINGING: 'callStateRinging',
  CALL_STATE_ACTIVE: 'callStateActive',
  CALL_STATE_ENDED: 'callStateEnded',
};

const endedWords = {
  CALL_END_REASON_REJECTED: 'callDeclined',
  CALL_END_REASON_TIMEOUT: 'callNoAnswer',
  CALL_END_REASON_HUNG_UP: 'callEnded',
  CALL_END_REASON_CANCELLED: 'callCancelled',
  CALL_END_REASON_CONNECTION_LOST: 'callConnectionLost',
};

Page({
  data: { callId: '', roomId: '', other: '', pushUrl: '', remoteUrl: '', remoteMemberId: '', status: '', stateText: '', active: false, t: {} },

  async onLoad(query) {
    this.setData({ t: lang.strings(), status: lang.t('connecting') });
    const client = getClient();
    this.client = client;
    this.offs = [
      client.on('callUpdated', ({ call }) => call.id === this.data.callId && this.show(call)),
      client.on('callEnded', ({ call, reason }) => call.id === this.data.callId && this.ended(reason)),
      client.on('streamReady', (e) => e.roomId === this.data.roomId && !e.self && e.playUrl && this.setData({ remoteUrl: e.playUrl.rtcUrl, remoteMemberId: e.member.memberId })),
      client.on('streamStopped', (e) => e.roomId === this.data.roomId && !e.self && this.setData({ remoteUrl: '', status: lang.t('theirVideoPaused') })),
      client.on('pushUrl', (e) => e.roomId === this.data.roomId && this.setData({ pushUrl: e.pushUrl.url })),
    ];
    try {
      if (query.callee) await this.place(decodeURIComponent(query.callee));
      else if (query.rejoin) await this.rejoin(query.rejoin);
      else await this.answer(query.callId);
    } catch (err) {
      wx.showToast({ title: err.code === 'CALLEE_OFFLINE' ? lang.t('calleeOffline') : err.code === 'CALLEE_BUSY' ? lang.t('calleeBusy') : err.code ? lang.errorText(err) : lang.t('callFailed'), icon: 'none' });
      setTimeout(() => wx.navigateBack(), 1500);
    }
  },

  async place(callee) {
    const { call, room } = await this.client.placeCall(callee);
    this.setData({ callId: call.id, roomId: room.room.id, other: callee, pushUrl: room.pushUrl.url, status: lang.t('calling') });
    this.show(call);
  },

  async answer(callId) {
    const incoming = getApp().globalData.incoming;
    getApp().globalData.incoming = null;
    const { call, room } = await this.client.answerCall(callId, true);
    const caller = room.members.find((m) => m.identity === call.callerIdentity);
    const callerUrl = (caller && room.playUrls[caller.memberId]) || (incoming && incoming.callerPlayUrl);
    this.setData({
      callId,
      roomId: room.room.id,
      other: call.callerIdentity,
      pushUrl: room.pushUrl.url,
      remoteUrl: callerUrl ? callerUrl.rtcUrl : '',
      remoteMemberId: caller ? caller.memberId : '',
    });
    this.show(call);
  },

  /** Back into a call after the mini-program was opened again (app.js, callToRejoin): the seat back, the other side played. */
  async rejoin(callId) {
    const { call, room } = await this.client.rejoinCall(callId);
    const me = this.client.identity;
    const otherId = call.callerIdentity === me ? call.calleeIdentity : call.callerIdentity;
    const other = room.members.find((m) => m.identity === otherId);
    const otherUrl = other && room.playUrls[other.memberId];
    this.setData({
      callId,
      roomId: room.room.id,
      other: otherId,
      pushUrl: room.pushUrl.url,
      remoteUrl: otherUrl ? otherUrl.rtcUrl : '',
      remoteMemberId: other ? other.memberId : '',
    });
    this.show(call);
  },

  show(call) {
    this.setData({ stateText: stateText[call.state] ? lang.t(stateText[call.state]) : '', active: call.state === 'CALL_STATE_ACTIVE' });
  },

  ended(reason) {
    this.setData({ callId: '', pushUrl: '', remoteUrl: '', stateText: lang.t('callStateEnded') });
    wx.showToast({ title: lang.t(endedWords[reason] || 'callEnded'), icon: 'none' });
    setTimeout(() => wx.navigateBack(), 1200);
  },

  end() {
    if (!this.data.callId) return wx.navigateBack();
    // callEnded follows, and takes the page back.
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

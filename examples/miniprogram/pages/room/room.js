// The six-person room: enter by name (created if missing), push your camera, play everyone whose push
// has begun. The SDK keeps the room's members and the play URLs signed for you; the page redraws from
// client.room() whenever something in the room changes. The microphone and camera buttons report what
// the pusher does; the room's owner can ask you to mute (followMuteRequests turns the pusher's
// microphone or camera off, and says so) and forbid turning it back on.
const { followMuteRequests, handlePlayerStateChange, handlePusherStateChange, pusherMediaAttributes } = require('@rtcroom/sdk');
const { getClient } = require('../../utils/session.js');
const lang = require('../../utils/lang.js');

const roomEvents = ['memberJoined', 'memberLeft', 'memberConnection', 'memberUpdated', 'memberMedia', 'streamReady', 'streamStopped', 'resync'];

// Why your seat ended, in words. A closing room says so itself (roomClosed follows).
const seatEnded = {
  LEAVE_REASON_REMOVED: 'removedFromRoom',
  LEAVE_REASON_REPLACED: 'enteredElsewhere',
  LEAVE_REASON_CONNECTION_LOST: 'connectionLostTooLong',
};

Page({
  data: { roomId: '', pushUrl: '', players: [], status: '', t: {}, muted: false, enableCamera: true },

  async onLoad(query) {
    this.setData({ t: lang.strings(), status: lang.t('entering') });
    const client = getClient();
    this.client = client;
    const mine = (handler) => (e) => e.roomId === this.data.roomId && handler(e);
    this.offs = [
      ...roomEvents.map((name) => client.on(name, mine(() => this.redraw()))),
      client.on('pushUrl', mine((e) => this.setData({ pushUrl: e.pushUrl.url }))),
      client.on('roomClosed', mine(() => this.gone(lang.t('roomWasClosed')))),
      client.on('memberLeft', mine((e) => e.self && e.reason !== 'LEAVE_REASON_ROOM_CLOSED' && this.gone(lang.t(seatEnded[e.reason] || 'noLongerInRoom')))),
      // The connection was away too long and the seat went: take one again.
      client.on('seatLost', mine(() => this.enter(decodeURIComponent(query.name)))),
      client.on('muteRequested', mine((e) => wx.showToast({ title: lang.t(e.audio ? 'hostMutedMicrophone' : 'hostTurnedCameraOff'), icon: 'none' }))),
    ];
    await this.enter(decodeURIComponent(query.name));
  },

  async enter(name) {
    try {
      const room = await this.client.enterRoom(name, { createOptions: { maxMembers: 6, displayName: name } });
      wx.setNavigationBarTitle({ title: room.room.displayName || room.room.name });
      this.setData({ roomId: room.room.id, pushUrl: room.pushUrl.url, ...pusherMediaAttributes(room.self.media) });
      if (this.stopFollowing) this.stopFollowing();
      this.stopFollowing = followMuteRequests(this.client, room.room.id, (attributes) => this.setData(attributes));
      this.redraw();
    } catch (err) {
      this.setData({ status: err.code === 'ROOM_FULL' ? lang.t('roomFullOfSix') : lang.t('couldNotEnter', { error: lang.errorText(err) }) });
    }
  },

  redraw() {
    const room = this.client.room(this.data.roomId);
    if (!room) return;
    const players = room.members
      .filter((m) => m.memberId !== room.self.memberId)
      .map((m) => ({
        memberId: m.memberId,
        name: m.displayName || m.identity,
        src: room.playUrls[m.memberId] ? room.playUrls[m.memberId].rtcUrl : '',
        interrupted: m.connectionInterrupted,
        micOff: !!m.media && m.media.audio.on === false,
      }));
    this.setData({ players, status: lang.t('roomCount', { count: room.members.length, max: room.room.maxMembers }) });
  },

  // 1002 announces your stream to the room, -1307 withdraws it, 3004 gets a fresh push URL.
  onPusherState(e) {
    handlePusherStateChange(this.client, this.data.roomId, e).then((r) => {
      if (r.pushUrl) this.setData({ pushUrl: r.pushUrl.url });
    });
  },

  // Your microphone and camera: asked of the room first (the host may have forbidden turning one on),
  // then set on the pusher.
  toggleMic() {
    const muted = !this.data.muted;
    return this.client.setMicrophone(this.data.roomId, !muted).then(() => this.setData({ muted }), (err) => this.refused(err));
  },

  toggleCamera() {
    const enableCamera = !this.data.enableCamera;
    return this.client.setCamera(this.data.roomId, enableCamera).then(() => this.setData({ enableCamera }), (err) => this.refused(err));
  },

  refused(err) {
    wx.showToast({ title: err.code === 'MEDIA_FORBIDDEN' ? lang.t('hostForbidsThat') : lang.errorText(err), icon: 'none' });
  },

  onPusherError(e) {
    wx.showToast({ title: lang.t('cameraOrMicrophone', { error: e.detail.errMsg }), icon: 'none' });
  },

  // Player codes are diagnostics: log them (2105 stutter, -2301 lost...).
  onPlayerState(e) {
    const d = handlePlayerStateChange(this.client, this.data.roomId, e.currentTarget.dataset.memberId, e);
    if (d.severity !== 'info') console.warn(`player ${d.code}: ${d.meaning}`);
  },

  gone(message) {
    const roomId = this.data.roomId;
    this.setData({ roomId: '', pushUrl: '', players: [], status: message });
    if (roomId) wx.showToast({ title: message, icon: 'none' });
  },

  leave() {
    wx.navigateBack();
  },

  onUnload() {
    (this.offs || []).forEach((off) => off());
    if (this.stopFollowing) this.stopFollowing();
    if (this.data.roomId) this.client.exitRoom(this.data.roomId).catch(() => undefined);
  },
});

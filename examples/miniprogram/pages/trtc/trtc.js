// The six-person room in TRTC mode (config.js `media: 'trtc'`, a server with MEDIA_PROVIDER=trtc): your
// <live-pusher> enters the TRTC room with the room:// URL the server signed, and the others arrive on
// that pusher's bindstatechange (1031-1034), which TrtcRoomMedia reads. The tiles are rtcroom's seated
// members, each playing TRTC's play URL once TRTC has told it: nobody without a seat is ever shown.
// The host's mute request turns the pusher's microphone or camera off (followMuteRequests); TRTC's
// callbacks then tell the room it is off.
// From the audience (`?as=audience`, "Watch from the audience" on the first page) the pusher enters
// with the entry URL the server signed (TRTC's audience role: it cannot publish), camera and microphone
// off, and the seats play the same way; "Take a seat" asks for one (连麦), or takes the one the host
// offered, and the pusher enters again with the push URL; "Back to the audience" the other way.
const { followMuteRequests, pusherMediaAttributes, TrtcRoomMedia } = require('@rtcroom/sdk');
const { getClient } = require('../../utils/session.js');
const lang = require('../../utils/lang.js');

const roomEvents = ['memberJoined', 'memberLeft', 'memberConnection', 'memberUpdated', 'resync'];

const seatEnded = {
  LEAVE_REASON_REMOVED: 'removedFromRoom',
  LEAVE_REASON_REPLACED: 'enteredElsewhere',
  LEAVE_REASON_CONNECTION_LOST: 'connectionLostTooLong',
};

Page({
  // pushUrl: what the <live-pusher> enters with (in the audience, the entry URL: receive only).
  data: { roomId: '', pushUrl: '', audience: false, players: [], status: '', t: {}, muted: false, enableCamera: true },

  async onLoad(query) {
    this.setData({ t: lang.strings(), status: lang.t('entering') });
    const client = getClient();
    this.client = client;
    this.as = query.as === 'audience' ? 'audience' : 'seat';
    const mine = (handler) => (e) => e.roomId === this.data.roomId && handler(e);
    this.offs = [
      ...roomEvents.map((name) => client.on(name, mine(() => this.redraw()))),
      client.on('pushUrl', mine(() => this.repush())),
      client.on('entryUrl', mine(() => this.repush())),
      client.on('memberRole', mine((e) => (e.self ? this.repush() : this.redraw()))),
      client.on('roomClosed', mine(() => this.gone(lang.t('roomWasClosed')))),
      client.on('memberLeft', mine((e) => e.self && e.reason !== 'LEAVE_REASON_ROOM_CLOSED' && this.gone(lang.t(seatEnded[e.reason] || 'noLongerInRoom')))),
      client.on('seatLost', mine(() => this.enter(decodeURIComponent(query.name)))),
      client.on('muteRequested', mine((e) => wx.showToast({ title: lang.t(e.audio ? 'hostMutedMicrophone' : 'hostTurnedCameraOff'), icon: 'none' }))),
    ];
    await this.enter(decodeURIComponent(query.name));
  },

  async enter(name) {
    try {
      const room =
        this.as === 'audience'
          ? await this.client.joinRoom({ roomName: name, as: 'audience' })
          : await this.client.enterRoom(name, { createOptions: { maxMembers: 6, displayName: name } });
      this.media = new TrtcRoomMedia(this.client, room.room.id);
      wx.setNavigationBarTitle({ title: room.room.displayName || room.room.name });
      this.setData({ roomId: room.room.id, ...pusherMediaAttributes(room.self.media) });
      this.repush();
      if (this.stopFollowing) this.stopFollowing();
      this.stopFollowing = followMuteRequests(this.client, room.room.id, (attributes) => this.setData(attributes));
      this.redraw();
    } catch (err) {
      this.setData({ status: err.code === 'ROOM_FULL' ? lang.t('roomFullOfSix') : lang.t('couldNotEnter', { error: lang.errorText(err) }) });
    }
  },

  /** The pusher's URL and role as the SDK has them now (after a join, a promotion, a demotion, a fresh URL). */
  repush() {
    if (!this.media) return;
    const pusher = this.media.pusher();
    this.setData({ pushUrl: pusher.url, audience: pusher.audience });
    this.redraw();
  },

  // 连麦: from the audience, ask for a seat (or take the one offered); from a seat, back to the audience.
  async toggleSeat() {
    const roomId = this.data.roomId;
    try {
      const answer = this.data.audience ? await this.client.takeSeat(roomId) : await this.client.leaveSeat(roomId);
      if (answer.pending) wx.showToast({ title: lang.t('seatAsked'), icon: 'none' });
      this.repush();
    } catch (err) {
      wx.showToast({ title: lang.errorText(err), icon: 'none' });
    }
  },

  redraw() {
    const room = this.client.room(this.data.roomId);
    if (!room || !this.media) return;
    const players = this.media.players().map((p) => ({
      memberId: p.memberId,
      name: p.displayName || p.identity,
      src: p.playUrl,
      camera: p.video,
      microphone: p.audio,
      inMediaRoom: p.inMediaRoom,
    }));
    const seats = room.members.filter((m) => m.role !== 'MEMBER_ROLE_AUDIENCE').length;
    const count = lang.t('roomCount', { count: seats, max: room.room.maxMembers });
    this.setData({ players, status: this.data.audience ? `${count} ${lang.t('youWatchFromAudience')}` : count });
  },

  // 1031-1034: the others in the TRTC room; 3004: a fresh push URL.
  onPusherState(e) {
    if (!this.media) return;
    this.media.handlePusherStateChange(e).then((r) => {
      if (r.pushUrl) this.repush();
      else this.redraw();
    });
  },

  onPusherError(e) {
    wx.showToast({ title: lang.t('cameraOrMicrophone', { error: e.detail.errMsg }), icon: 'none' });
  },

  onPlayerState(e) {
    if (Number(e.detail.code) < 0) console.warn(`player ${e.detail.code} for ${e.currentTarget.dataset.memberId}`);
  },

  gone(message) {
    const roomId = this.data.roomId;
    this.setData({ roomId: '', pushUrl: '', audience: false, players: [], status: message });
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

// Sign in, then enter a room by name (the TRTC page when config.js says media: 'trtc'), call someone, or call the service desk.
const config = require('../../config.js');

Page({
  data: { identity: '', name: '', roomName: 'demo', callee: '', signedIn: false, busy: false, error: '' },

  onIdentity(e) { this.setData({ identity: e.detail.value.trim() }); },
  onName(e) { this.setData({ name: e.detail.value.trim() }); },
  onRoomName(e) { this.setData({ roomName: e.detail.value.trim() }); },
  onCallee(e) { this.setData({ callee: e.detail.value.trim() }); },

  async signIn() {
    this.setData({ busy: true, error: '' });
    try {
      await getApp().start(this.data.identity, this.data.name);
      this.setData({ signedIn: true });
    } catch (err) {
      // An RtcRoomError's message starts with its code (CONNECT_FAILED: ...).
      this.setData({ error: String(err.message || err) });
    } finally {
      this.setData({ busy: false });
    }
  },

  enterRoom() {
    const page = config.media === 'trtc' ? 'trtc/trtc' : 'room/room';
    if (this.data.roomName) wx.navigateTo({ url: `/pages/${page}?name=${encodeURIComponent(this.data.roomName)}` });
  },

  call() {
    if (this.data.callee) wx.navigateTo({ url: `/pages/call/call?callee=${encodeURIComponent(this.data.callee)}` });
  },

  service() {
    wx.navigateTo({ url: '/pages/service/service' });
  },
});

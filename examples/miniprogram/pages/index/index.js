// Sign in, then enter a room by name (the TRTC page when config.js says media: 'trtc'), call someone, or call the service desk.
// The language switch (中文 / English) is here; the choice is remembered (utils/lang.js).
const config = require('../../config.js');
const lang = require('../../utils/lang.js');
const { currentClient } = require('../../utils/session.js');

Page({
  // trtc: a TRTC deployment, where the example also watches a room from the audience (pages/trtc).
  data: { identity: '', name: '', roomName: 'demo', callee: '', signedIn: false, busy: false, error: '', locale: '', t: {}, trtc: config.media === 'trtc' },

  onLoad() {
    this.setData({ locale: lang.current(), t: lang.strings() });
  },

  switchLanguage() {
    const locale = lang.current() === 'zh-CN' ? 'en' : 'zh-CN';
    lang.choose(locale);
    const client = currentClient();
    if (client) client.locale = locale;
    this.setData({ locale, t: lang.strings(), error: '' });
  },

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
      // For the user, the code's message in their language; the server's English detail is in err.message.
      this.setData({ error: lang.errorText(err) });
    } finally {
      this.setData({ busy: false });
    }
  },

  enterRoom() {
    const page = config.media === 'trtc' ? 'trtc/trtc' : 'room/room';
    if (this.data.roomName) wx.navigateTo({ url: `/pages/${page}?name=${encodeURIComponent(this.data.roomName)}` });
  },

  watchRoom() {
    if (this.data.roomName) wx.navigateTo({ url: `/pages/trtc/trtc?name=${encodeURIComponent(this.data.roomName)}&as=audience` });
  },

  call() {
    if (this.data.callee) wx.navigateTo({ url: `/pages/call/call?callee=${encodeURIComponent(this.data.callee)}` });
  },

  service() {
    wx.navigateTo({ url: '/pages/service/service' });
  },
});

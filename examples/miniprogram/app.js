// Incoming calls can arrive on any page: the app asks the user and opens the call page on "Answer".
// Opened again mid-call, it goes straight back into the call.
const { signIn } = require('./utils/session.js');
const lang = require('./utils/lang.js');

App({
  globalData: { incoming: null },

  async start(identity, name) {
    const client = await signIn(identity, name);
    client.on('incomingCall', ({ call, callerPlayUrl }) => {
      this.globalData.incoming = { call, callerPlayUrl };
      wx.showModal({
        title: lang.t('incomingCall'),
        content: lang.t('isCallingYou', { caller: call.callerIdentity }),
        confirmText: lang.t('answer'),
        cancelText: lang.t('decline'),
        success: (res) => {
          if (res.confirm) wx.navigateTo({ url: `/pages/call/call?callId=${call.id}` });
          else client.rejectCall(call.id).catch(() => undefined);
        },
      });
    });
    // A call this phone was in when WeChat closed the mini-program: back into it at once (the other
    // side waits; the seat the resumed session kept is taken back, so they saw it dropped and back).
    client.on('callToRejoin', ({ call }) => wx.navigateTo({ url: `/pages/${call.teamId ? 'service/service' : 'call/call'}?rejoin=${call.id}` }));
    // A call that ends before it is answered closes the question.
    client.on('callEnded', ({ call }) => {
      if (this.globalData.incoming && this.globalData.incoming.call.id === call.id) this.globalData.incoming = null;
    });
    return client;
  },
});

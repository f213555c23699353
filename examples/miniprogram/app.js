// Incoming calls can arrive on any page: the app asks the user and opens the call page on "Answer".
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
    // A call that ends before it is answered closes the question.
    client.on('callEnded', ({ call }) => {
      if (this.globalData.incoming && this.globalData.incoming.call.id === call.id) this.globalData.incoming = null;
    });
    return client;
  },
});

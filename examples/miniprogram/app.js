// Incoming calls can arrive on any page: the app asks the user and opens the call page on "Answer".
const { signIn } = require('./utils/session.js');

App({
  globalData: { incoming: null },

  async start(identity, name) {
    const client = await signIn(identity, name);
    client.on('incomingCall', ({ call, callerPlayUrl }) => {
      this.globalData.incoming = { call, callerPlayUrl };
      wx.showModal({
        title: 'Incoming call',
        content: `${call.callerIdentity} is calling you`,
        confirmText: 'Answer',
        cancelText: 'Decline',
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

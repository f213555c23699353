// One RtcRoomClient for the whole mini-program, on the wx adapter. The token comes from the business
// backend (here the embedded default's /dev/token) and is asked for again on every reconnect and
// before the token in use expires (the SDK refreshes the connection's token with it).
const { RtcRoomClient, wxResumeStore, wxSocket } = require('@rtcroom/sdk');
const config = require('../config.js');
const lang = require('./lang.js');

let client = null;

function fetchToken(identity, name) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.tokenUrl,
      data: { identity, name },
      success: (res) => (res.statusCode === 200 && res.data.token ? resolve(res.data.token) : reject(new Error(`token: HTTP ${res.statusCode}`))),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
}

/** Connects as `identity`; resolves with the client once the gateway has welcomed it. */
async function signIn(identity, name) {
  if (client) await client.close();
  // The session is kept in the mini-program's storage: opened again within the resume grace (after
  // WeChat closed it in the background), it resumes, and entering the room takes the same seat back.
  client = new RtcRoomClient({ socket: wxSocket(wx), locale: lang.current(), resumeStore: wxResumeStore(wx) });
  client.on('connectionState', (e) => {
    if (e.state === 'reconnecting') wx.showToast({ title: lang.t('reconnecting'), icon: 'loading', duration: Math.max(1500, e.delayMs || 0) });
    if (e.state === 'disconnected' && e.error) wx.showToast({ title: lang.t('offline', { error: lang.errorText(e.error) }), icon: 'none' });
  });
  // A busy gateway (many phones reconnecting at once) holds the connection in line: say where it stands.
  client.on('connectionWaiting', (e) => {
    wx.showToast({ title: lang.t('stateInLine', { position: e.position, seconds: Math.ceil(e.expectedWaitMs / 1000) }), icon: 'none', duration: 3000 });
  });
  await client.connect(config.gatewayUrl, () => fetchToken(identity, name));
  return client;
}

/** The client if signed in, else null (the language switch tells it the new language). */
function currentClient() {
  return client;
}

function getClient() {
  if (!client) throw new Error('sign in first');
  return client;
}

module.exports = { signIn, getClient, currentClient };

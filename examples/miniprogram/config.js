// Where the example's server is. In development, `npm run up` prints the gateway address; use the
// machine's LAN address (a phone cannot reach 127.0.0.1) and tick "do not check domain names" in the
// developer tools. In production the gateway is behind wss:// on a domain set in the mini-program's
// admin console, and tokens come from your own backend, never from /dev/token.
module.exports = {
  gatewayUrl: 'ws://192.168.1.10:8787/v1/ws',
  // GET <tokenUrl>?identity=...&name=... answering {"token": "..."} (the embedded default's dev endpoint).
  tokenUrl: 'http://192.168.1.10:8787/dev/token',
  // The service-desk team the customer-service page calls (created with `npm run desk -- team create`).
  serviceTeam: 'claims',
  // 'trtc' when the server runs MEDIA_PROVIDER=trtc: rooms open the TRTC page (pages/trtc) instead.
  media: 'rtmp',
};

// Prints the nginx-rtmp configuration for this deployment (self-hosted provider), from the same
// environment the url-issuer reads:
//   MEDIA_SIGNING_KEY=... node services/url-issuer/dist/print-nginx-conf.js [--record-path DIR] [--hooks URL] [--listen ADDR] [--record-http-listen ADDR]
// Put the rtmp block in the main context of nginx.conf (Debian: an `include` next to the `http` block);
// with --record-http-listen, the server block that follows goes inside `http` (Debian: conf.d/).
import { ConfigError, readCommandLine } from '@rtcroom/common';
import { loadUrlIssuerConfig } from './config';
import { renderRecordingsServer, renderRtmpBlock } from './media-server/nginx-rtmp-conf';

const usage = `usage: MEDIA_SIGNING_KEY=... node services/url-issuer/dist/print-nginx-conf.js [--record-path DIR] [--hooks URL] [--listen ADDR] [--record-http-listen ADDR]
Prints the rtmp block for nginx-rtmp (MEDIA_PROVIDER=self-hosted), from the url-issuer's environment.
  --record-path DIR   where nginx writes recordings (default /var/lib/rtcroom/recordings)
  --hooks URL         where nginx calls the url-issuer's hooks (default its URL_ISSUER_HTTP_ADDRESS)
  --listen ADDR       what nginx listens on for RTMP: a port or host:port (default MEDIA_RTMP_BASE's port)
  --record-http-listen ADDR
                      also print the http server block that serves the recordings (signed URLs only)
                      on this port or host:port; MEDIA_RECORD_URL_BASE is then http(s)://<host:port>/recordings
`;
const { values } = readCommandLine(usage, {
  options: { 'record-path': { type: 'string' }, 'record-http-listen': { type: 'string' }, hooks: { type: 'string' }, listen: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});

try {
  const config = loadUrlIssuerConfig(process.env);
  if (config.media.kind !== 'self-hosted') throw new ConfigError('MEDIA_PROVIDER', 'must be self-hosted to print an nginx configuration');
  const rtmpPort = new URL(config.media.rtmpBase.replace(/^rtmp:/, 'http:')).port || '1935';
  if (values.listen !== undefined && !/^(\S+:)?\d{1,5}$/.test(values.listen)) throw new Error(`--listen must be a port or host:port, got "${values.listen}"`);
  const hooksHost = config.httpAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
  const recordHttpListen = values['record-http-listen'];
  if (recordHttpListen !== undefined && !/^(\S+:)?\d{1,5}$/.test(recordHttpListen)) throw new Error(`--record-http-listen must be a port or host:port, got "${recordHttpListen}"`);
  const options = {
    rtmpListen: values.listen ?? rtmpPort,
    hooksBase: values.hooks ?? `http://${hooksHost}`,
    signingKey: config.media.signingKey,
    app: config.media.app,
    recordApp: config.media.recordApp,
    recordPath: values['record-path'] ?? '/var/lib/rtcroom/recordings',
  };
  process.stdout.write(renderRtmpBlock(options));
  if (recordHttpListen !== undefined) process.stdout.write(`\n# Inside the http block:\n${renderRecordingsServer({ ...options, recordHttpListen })}`);
} catch (err) {
  process.stderr.write(`print-nginx-conf: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}

// Prints the nginx-rtmp configuration for this deployment (self-hosted provider), from the same
// environment the url-issuer reads:
//   MEDIA_SIGNING_KEY=... node services/url-issuer/dist/print-nginx-conf.js [--record-path DIR] [--hooks URL]
// Put the output in the main context of nginx.conf (Debian: an `include` next to the `http` block).
import { ConfigError } from '@rtcroom/common';
import { loadUrlIssuerConfig } from './config';
import { renderRtmpBlock } from './media-server/nginx-rtmp-conf';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

try {
  const config = loadUrlIssuerConfig(process.env);
  if (config.media.kind !== 'self-hosted') throw new ConfigError('MEDIA_PROVIDER', 'must be self-hosted to print an nginx configuration');
  const rtmpPort = new URL(config.media.rtmpBase.replace(/^rtmp:/, 'http:')).port || '1935';
  const hooksHost = config.httpAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
  process.stdout.write(
    renderRtmpBlock({
      rtmpListen: rtmpPort,
      hooksBase: arg('--hooks') ?? `http://${hooksHost}`,
      signingKey: config.media.signingKey,
      app: config.media.app,
      recordApp: config.media.recordApp,
      recordPath: arg('--record-path') ?? '/var/lib/rtcroom/recordings',
    }),
  );
} catch (err) {
  process.stderr.write(`print-nginx-conf: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}

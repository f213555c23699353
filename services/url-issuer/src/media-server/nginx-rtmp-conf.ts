// The nginx-rtmp configuration that makes a self-hosted nginx ask rtcroom about every publish and
// play, report when streams end and recordings are written, and relay recorded pushes into the play
// application. Printed for operators by print-nginx-conf; the real media test runs nginx with it.
import { relayToken } from '../domain/providers/self-hosted';
import { recordingLinkSecret } from '../domain/recording-url';
import { nginxRtmpHookPaths } from '../transport/media-hooks.http';

export interface NginxRtmpConfOptions {
  /** What nginx listens on for RTMP: "1935" or "host:port". */
  rtmpListen: string;
  /** The url-issuer's HTTP endpoint as nginx reaches it, e.g. http://127.0.0.1:8790. */
  hooksBase: string;
  signingKey: string;
  /** MEDIA_APP and MEDIA_RECORD_APP. */
  app: string;
  recordApp: string;
  /** Directory nginx writes recordings to (it must be writable by nginx's worker user). */
  recordPath: string;
  /** A publisher silent this long is dropped, so its stream is reported ended. */
  idlePublisherSeconds?: number;
  /**
   * Where nginx serves the recordings over HTTP ("port" or "host:port"; MEDIA_RECORD_URL_BASE is
   * http://<this>/recordings); absent: not served.
   */
  recordHttpListen?: string;
}

export interface StandaloneNginxConfOptions extends NginxRtmpConfOptions {
  /** ngx_rtmp_module.so (Debian: /usr/lib/nginx/modules/ngx_rtmp_module.so). */
  modulePath: string;
  /** Directory for the pid file, logs and temp files, so nginx touches nothing else. */
  prefix: string;
}

function portOf(listen: string): string {
  const port = listen.slice(listen.lastIndexOf(':') + 1);
  if (!/^\d{1,5}$/.test(port)) throw new Error(`rtmpListen must be a port or host:port, got "${listen}"`);
  return port;
}

/** The `rtmp { ... }` block (main context of nginx.conf, with the RTMP module loaded). */
export function renderRtmpBlock(o: NginxRtmpConfOptions): string {
  const hook = (path: string) => `${o.hooksBase.replace(/\/+$/, '')}${path}`;
  const self = `rtmp://127.0.0.1:${portOf(o.rtmpListen)}/${o.app}`;
  const idle = o.idlePublisherSeconds ?? 10;
  const common = [
    'live on;',
    `drop_idle_publisher ${idle}s;`,
    `on_publish ${hook(nginxRtmpHookPaths.onPublish)};`,
    `on_publish_done ${hook(nginxRtmpHookPaths.onPublishDone)};`,
  ];
  return [
    'rtmp {',
    '  server {',
    `    listen ${o.rtmpListen};`,
    '    notify_method post;',
    '    # Pushes to the play application that rtcroom signed for it; viewers play only from here.',
    `    application ${o.app} {`,
    ...common.map((l) => `      ${l}`),
    `      on_play ${hook(nginxRtmpHookPaths.onPlay)};`,
    `      on_play_done ${hook(nginxRtmpHookPaths.onPlayDone)};`,
    '    }',
    '    # Pushes of rooms that record: written to disk, and relayed into the play application. The',
    '    # relay carries a token derived from MEDIA_SIGNING_KEY, by which rtcroom knows it.',
    `    application ${o.recordApp} {`,
    ...common.map((l) => `      ${l}`),
    '      record all;',
    `      record_path ${o.recordPath};`,
    '      record_unique on;',
    `      on_record_done ${hook(nginxRtmpHookPaths.onRecordDone)};`,
    `      push ${self} tcUrl=${self}?relay=${relayToken(o.signingKey, o.recordApp, o.app)};`,
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * The http `server { ... }` that serves the recordings (the MP4s the url-issuer remuxes, never the
 * FLVs): only with a signature of rtcroom's for a viewer, until it expires (domain/recording-url.ts,
 * nginx's secure_link); no index, nothing else. Range requests work, so a <video> seeks.
 */
export function renderRecordingsServer(o: NginxRtmpConfOptions & { recordHttpListen: string }): string {
  return [
    'server {',
    `  listen ${o.recordHttpListen};`,
    '  access_log off;',
    '  location ~ ^/recordings/([A-Za-z0-9_-]+\\.mp4)$ {',
    `    alias ${o.recordPath.replace(/\/+$/, '')}/$1;`,
    '    secure_link $arg_sig,$arg_exp;',
    `    secure_link_md5 "$secure_link_expires$uri$arg_viewer ${recordingLinkSecret(o.signingKey)}";`,
    '    if ($secure_link = "") { return 403; }',
    '    if ($secure_link = "0") { return 410; }',
    '    types { }',
    '    default_type video/mp4;',
    '    add_header Cache-Control "private, no-store";',
    '  }',
    '  location / { return 404; }',
    '}',
    '',
  ].join('\n');
}

/** A whole nginx.conf that runs in the foreground and keeps its files under `prefix`. */
export function renderStandaloneNginxConf(o: StandaloneNginxConfOptions): string {
  const p = o.prefix.replace(/\/+$/, '');
  return [
    `load_module ${o.modulePath};`,
    'daemon off;',
    'master_process off;',
    `pid ${p}/nginx.pid;`,
    `error_log ${p}/error.log info;`,
    'events { worker_connections 256; }',
    renderRtmpBlock(o),
    ...(o.recordHttpListen ? ['http {', renderRecordingsServer({ ...o, recordHttpListen: o.recordHttpListen }), '}', ''] : []),
  ].join('\n');
}

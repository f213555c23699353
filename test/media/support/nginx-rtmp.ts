// An nginx-rtmp of a test's own that admits every push and play: what the media bridge tests push
// into and read from. Its only hook, if asked for, is on_publish to a URL of the test's (which must
// answer 2xx): what rtcroom's url-issuer turns into stream_began. With `rtcroom`, it is configured as
// print-nginx-conf configures it instead: it asks rtcroom's hooks about every push and play, records
// the recording application's pushes and serves the recordings over HTTP (signed URLs only), as the
// console's desk test needs. test/media/nginx-rtmp.e2e.test.ts starts one with all of rtcroom's hooks.
//
// nginx cannot listen on port 0 and say where it is: a port is picked for it, and when another
// process takes that port first nginx exits and is tried on another. It counts as started once it
// has written its pid file, which it does only once its ports are bound.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rtcroom/common';
import { renderStandaloneNginxConf } from '@rtcroom/url-issuer';

export const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync);
export const rtmpModule = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'].find(existsSync);

export interface RunningNginxRtmp {
  /** rtmp://127.0.0.1:port */
  rtmpBase: string;
  /** With rtcroom's configuration: where the recordings are served (MEDIA_RECORD_URL_BASE). */
  recordUrlBase?: string;
  stop(): Promise<void>;
}

const conf = (dir: string, port: number, onPublish?: string) => `load_module ${rtmpModule};
daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      record off;
      wait_key on;
      wait_video on;${onPublish ? `
      on_publish ${onPublish};` : ''}
    }
  }
}
`;

async function until<T>(check: () => T | false | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** rtcroom's hooks (the url-issuer's HTTP address) and signing key, for its own configuration. */
export interface RtcroomHooks {
  hooksBase: string;
  signingKey: string;
}

function rtcroomConf(dir: string, port: number, httpPort: number, hooks: RtcroomHooks): string {
  mkdirSync(join(dir, 'recordings'), { recursive: true });
  return renderStandaloneNginxConf({
    ...hooks,
    modulePath: rtmpModule!,
    prefix: dir,
    rtmpListen: `127.0.0.1:${port}`,
    recordHttpListen: `127.0.0.1:${httpPort}`,
    app: 'live',
    recordApp: 'record',
    recordPath: join(dir, 'recordings'),
  });
}

export async function startNginxRtmp(options: { onPublish?: string; rtcroom?: RtcroomHooks } = {}): Promise<RunningNginxRtmp> {
  const { rtcroom } = options;
  if (!nginxBin || !rtmpModule) throw new Error('nginx with the RTMP module is missing (bash scripts/ensure-media-tools.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-rtmp-'));
  const pidFile = join(dir, 'nginx.pid');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const httpPort = rtcroom ? await freePort() : 0;
    writeFileSync(join(dir, 'nginx.conf'), rtcroom ? rtcroomConf(dir, port, httpPort, rtcroom) : conf(dir, port, options.onPublish));
    rmSync(pidFile, { force: true });
    const proc: ChildProcess = spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    const outcome = await until(
      () => (proc.exitCode !== null ? 'exited' : existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(proc.pid) && 'bound'),
      10_000,
      'nginx to bind its port or exit',
    );
    if (outcome === 'bound') {
      return {
        rtmpBase: `rtmp://127.0.0.1:${port}`,
        ...(rtcroom ? { recordUrlBase: `http://127.0.0.1:${httpPort}/recordings` } : {}),
        async stop() {
          if (proc.exitCode === null) {
            const exited = new Promise((r) => proc.once('exit', r));
            proc.kill('SIGQUIT');
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
            clearTimeout(timer);
            if (proc.exitCode === null) proc.kill('SIGKILL');
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (attempt === 5) throw new Error(`nginx did not start:\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
  }
}

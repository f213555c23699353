// What the media bridge's tests run on: nginx-rtmp and Janus of their own (test/media/support), the
// bridge as its own process (built first), and Chromium with a fake camera and microphone whose
// pages come from a 127.0.0.1 origin (a page of 127.0.0.1 may call Janus on 127.0.0.1; about:blank
// may not reach a local address under Chromium's private network rules).
import { ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkHealth, createClient } from '@rtcroom/common';
import { mediaBridgev1 } from '@rtcroom/proto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ServiceProcess } from '../../support/service-processes';
import { janusMissing, knownJanusAbort, RunningJanus, startJanus } from './janus';
import { ended, ffmpegChildren, until } from './media-processes';
import { nginxBin, rtmpModule, RtcroomHooks, RunningNginxRtmp, startNginxRtmp } from './nginx-rtmp';

const root = resolve(__dirname, '../../..');
const chromiumPath = '/usr/bin/chromium';
const runs = (cmd: string) => spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0;

/** What is missing here to run the bridge's tests (empty: nothing). */
export const bridgeTestMissing = [...janusMissing, !nginxBin && 'nginx', !rtmpModule && 'libnginx-mod-rtmp', !runs('ffmpeg') && 'ffmpeg', !existsSync(chromiumPath) && 'chromium'].filter(
  (m): m is string => Boolean(m),
);

/** describe, or describe.skip (with a warning) when tools are missing outside CI; in CI a missing tool fails. */
export function describeWithMediaTools(what: string): jest.Describe {
  const skip = bridgeTestMissing.length > 0 && process.env.CI !== 'true';
  // eslint-disable-next-line no-console
  if (skip) console.warn(`${what} skipped: ${bridgeTestMissing.join(', ')} missing (bash scripts/ensure-media-tools.sh; bash scripts/ensure-browser.sh)`);
  return skip ? describe.skip : describe;
}

export type BridgeClient = ReturnType<typeof createClient<typeof mediaBridgev1.MediaBridgeServiceService>>;

export class BridgeFixture {
  rtmp!: RunningNginxRtmp;
  janus!: RunningJanus;
  bridgeProcess!: ServiceProcess;
  bridge!: BridgeClient;
  private browser: Browser | undefined;
  private context: BrowserContext | undefined;
  private pageServer: Server | undefined;
  private pageUrl = '';
  private workDir = '';
  /** Processes a test started (pushes) that the fixture kills at the end. */
  readonly pushes: ChildProcess[] = [];
  /** The pushes nginx-rtmp's on_publish hook told of (stream name, when): where rtcroom learns a stream began. */
  readonly published: { name: string; at: number }[] = [];

  /** `rtcroom`: nginx-rtmp asks rtcroom's hooks, records and serves recordings (support/nginx-rtmp.ts). */
  async start(rtcroom?: RtcroomHooks): Promise<void> {
    if (bridgeTestMissing.length > 0) throw new Error(`CI=true but ${bridgeTestMissing.join(', ')} missing`);
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'services/media-bridge')], { stdio: 'inherit' });
    this.workDir = mkdtempSync(join(tmpdir(), 'rtcroom-bridge-'));
    // The pages' server also takes nginx-rtmp's on_publish hook (admitting every push).
    const pageServer = createServer((req, res) => {
      if (req.url?.split('?')[0] !== '/on_publish') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>agent</title><body></body>');
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        this.published.push({ name: new URLSearchParams(body).get('name') ?? '', at: Date.now() });
        res.writeHead(200).end('OK');
      });
    });
    this.pageServer = pageServer;
    await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', r));
    this.pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
    [this.rtmp, this.janus] = await Promise.all([startNginxRtmp(rtcroom ? { rtcroom } : { onPublish: `${this.pageUrl}on_publish` }), startJanus({ logTo: process.env.TEST_LOG ? (l) => process.stderr.write(`[janus] ${l}`) : undefined })]);
    // A port window for the bridge's egress receivers, away from Janus's.
    const base = 20000 + 500 * Math.floor(Math.random() * 18);
    this.bridgeProcess = new ServiceProcess('media-bridge', {
      RTCROOM_DEV: 'true',
      JANUS_WS_URL: this.janus.wsUrl,
      JANUS_ADMIN_WS_URL: this.janus.adminWsUrl,
      JANUS_API_SECRET: this.janus.apiSecret,
      JANUS_ADMIN_SECRET: this.janus.adminSecret,
      JANUS_PLUGIN_ADMIN_KEY: this.janus.pluginAdminKey,
      JANUS_PUBLIC_HTTP_URL: this.janus.httpUrl,
      JANUS_RTP_HOST: '127.0.0.1',
      MEDIA_BRIDGE_RTP_HOST: '127.0.0.1',
      MEDIA_BRIDGE_RTP_PORTS: `${base}-${base + 499}`,
      MEDIA_BRIDGE_WORK_DIR: this.workDir,
      JANUS_RETRY_MS: '500',
    });
    await this.bridgeProcess.start().catch(async (err: Error) => {
      // Once in a CI run (a machine busy building images) Janus's admin server hung up on the bridge's
      // first connection although it had said it started: Janus is started again and the bridge once more.
      if (!/cannot reach Janus/.test(err.message)) throw err;
      console.warn(`the bridge could not reach Janus at its start; Janus restarted, the bridge started again:\n${err.message.slice(0, 1500)}\nJanus's output:\n${this.janus.log().slice(-1500)}`); // eslint-disable-line no-console
      await this.janus.restart();
      await this.bridgeProcess!.start();
    });
    this.bridge = createClient(mediaBridgev1.MediaBridgeServiceService, this.bridgeProcess.address, 15_000);
    const { chromium } = await import('playwright-core');
    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic'],
        ...['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    this.context = await this.browser.newContext();
  }

  /**
   * For an afterEach: a Janus that died under the test is started again (the bridge reconnects to it),
   * so one crash fails one test rather than every one after, and fails the test with Janus's last
   * words. Only Janus 1.1's own hang-up race (knownJanusAbort) after a test that passed is let go, with
   * a warning: the test failed already if the abort cost it anything.
   */
  async failOnJanusDeath(): Promise<void> {
    const died = this.janus?.died();
    if (!died) return;
    await this.restartJanus();
    if (!knownJanusAbort(died)) throw new Error(died);
    console.warn(`Janus 1.1.2 aborted in its hang-up race (janus-gateway#3331) after the test; restarted:\n${died.slice(0, 3000)}`); // eslint-disable-line no-console
  }

  /** Starts Janus again on its ports and waits until the bridge serves on it once more. */
  async restartJanus(): Promise<void> {
    await this.janus.restart();
    const serving = async () => (await checkHealth(this.bridgeProcess.address, 'rtcroom.media.v1.MediaBridgeService', undefined, 2000)).serving;
    await until(serving, 30_000, 'the bridge serving on the restarted Janus');
  }

  /**
   * Runs a test's body, and once more on a restarted Janus when Debian's Janus 1.1.2 aborted under it in
   * its own hang-up race (knownJanusAbort; fixed upstream in 1.2.2). Any other failure, or a second
   * abort, fails the test. The body is raced against Janus's death, which would otherwise surface as a
   * page's timeout; a body given up on is left to fail quietly.
   */
  async retryingKnownJanusAbort(body: () => Promise<void>): Promise<void> {
    let watching = true;
    const death = (async () => {
      while (watching) {
        const died = this.janus.died();
        if (died) return died;
        await new Promise((r) => setTimeout(r, 250));
      }
      return undefined;
    })();
    const first = body();
    try {
      const outcome = await Promise.race([first.then(() => 'passed' as const), death]);
      if (outcome === 'passed') return;
    } catch (err) {
      // The body may hear of the crash (a socket closed) just before Node hears Janus exit.
      const died = await until(async () => this.janus.died(), 1000, 'Janus to be seen dead').catch(() => undefined);
      if (!died || !knownJanusAbort(died)) throw err;
    } finally {
      watching = false;
    }
    first.catch(() => undefined);
    const died = this.janus.died()!;
    if (!knownJanusAbort(died)) throw new Error(died);
    console.warn(`Janus 1.1.2 aborted in its hang-up race (janus-gateway#3331); the test runs once more on a restarted Janus:\n${died.slice(0, 3000)}`); // eslint-disable-line no-console
    await this.restartJanus();
    await body();
  }

  /** Another bridge process on the same Janus, with some variables changed. */
  otherBridge(env: Record<string, string>): ServiceProcess {
    return new ServiceProcess('media-bridge', { ...this.bridgeProcess.env, ...env });
  }

  async newPage(): Promise<Page> {
    const page = await this.context!.newPage();
    page.on('pageerror', (err) => console.warn(`page error: ${err.message}`)); // eslint-disable-line no-console
    await page.goto(this.pageUrl);
    return page;
  }

  /** A page of the shared Chromium (fake camera and microphone) at `url`, e.g. the web console. */
  async openPage(url: string): Promise<Page> {
    const page = await this.context!.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(url);
    return page;
  }

  /** Stops everything; the bridge with SIGTERM, after which none of its ffmpeg may remain. */
  async stop(): Promise<void> {
    for (const p of this.pushes) if (p.exitCode === null) p.kill('SIGKILL');
    await this.context?.close().catch(() => undefined);
    await this.browser?.close().catch(() => undefined);
    await new Promise((r) => (this.pageServer ? this.pageServer.close(r) : r(undefined)));
    this.bridge?.close();
    const pid = this.bridgeProcess?.pid;
    const children = pid ? ffmpegChildren(pid) : [];
    const exit = await this.bridgeProcess?.stop();
    await this.janus?.stop();
    await this.rtmp?.stop();
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
    const left = children.filter((child) => !ended(child));
    if (left.length > 0) throw new Error(`ffmpeg processes outlived the bridge: ${left.join(', ')}`);
    if (exit && exit.code !== 0) throw new Error(`the bridge exited with ${exit.code ?? exit.signal} on SIGTERM`);
  }
}

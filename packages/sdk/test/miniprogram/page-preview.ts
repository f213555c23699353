// A picture of a phone's page as it stands in a test: its .wxml rendered with the page instance's
// current data (wxml-preview.ts), each <live-player> / <live-pusher> showing one real frame that
// ffmpeg grabbed from the RTMP URL it holds (src / url), or a placeholder saying what it would play;
// then Chromium screenshots it at a phone's viewport. Not WeChat: a preview of the page's own markup,
// styles and live data.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PageInstance } from './phone';
import { escapeHtml, MediaElement, mediaPlaceholder, NavigationBar, previewDocument, renderWxml } from './wxml-preview';

export const chromiumPath = '/usr/bin/chromium';
const runs = (cmd: string) => spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0;
/** What a picture with frames needs and this machine lacks (empty: nothing). */
export const previewToolsMissing = [!runs('ffmpeg') && 'ffmpeg', !existsSync(chromiumPath) && 'chromium'].filter((m): m is string => Boolean(m));

/** One JPEG frame of an RTMP stream, as ffmpeg decodes it; rejects with ffmpeg's words within timeoutMs. */
export function grabFrame(url: string, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A short probe: the stream is live and plain (one H.264 video, one AAC audio); the default 5 s of analysis only delays the frame.
    const probe = ['-analyzeduration', '500000', '-probesize', '65536'];
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-rw_timeout', '5000000', ...probe, '-i', url, '-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(chunks);
      if (code === 0 && jpeg.length > 0) resolve(jpeg);
      else reject(new Error(`no frame from ${url} (ffmpeg ${code ?? 'killed'}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

export interface PagePreview {
  /** The whole HTML document the picture is made of. */
  html: string;
  /** Each live component, with the URL it holds and whether a frame of it is shown (else why not). */
  media: { tag: MediaElement['tag']; url: string; frame: boolean; reason?: string }[];
}

const mediaUrl = (el: MediaElement) => (el.tag === 'live-player' ? el.attrs.src : el.attrs.url) ?? '';

export interface PreviewOptions {
  /** How a frame of a live component's URL is had (default: ffmpeg). */
  grab?: (url: string) => Promise<Buffer>;
  /** The navigation bar's title when the page set one (wx.setNavigationBarTitle); else its .json's or app.json's. */
  title?: string;
}

/** The page on a phone whose mini-program lives in `root`, rendered with the page's data now. */
export async function previewPage(root: string, page: PageInstance, { grab = grabFrame, title }: PreviewOptions = {}): Promise<PagePreview> {
  const read = (file: string) => (existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : '');
  const window = { ...JSON.parse(read('app.json') || '{}').window, ...JSON.parse(read(`${page.route}.json`) || '{}') } as Record<string, string | undefined>;
  const bar: NavigationBar = {
    title: title ?? window.navigationBarTitleText ?? '',
    background: window.navigationBarBackgroundColor ?? '#000000',
    textStyle: window.navigationBarTextStyle === 'black' ? 'black' : 'white',
  };
  const source = `${page.route}.wxml`;
  const wxml = readFileSync(join(root, source), 'utf8');
  const wxss = [read('app.wxss'), read(`${page.route}.wxss`)];
  // First pass: which URLs the live components hold; then one frame of each RTMP one, all at once.
  const found: MediaElement[] = [];
  renderWxml(wxml, page.data, { source, media: (el) => (found.push(el), '') });
  const frames = new Map<string, Buffer | Error>();
  await Promise.all(
    [...new Set(found.map(mediaUrl))].map(async (url) => {
      if (!url.startsWith('rtmp://')) return frames.set(url, new Error('not an RTMP URL: nothing here can play it'));
      frames.set(url, await grab(url).catch((err: Error) => err));
    }),
  );
  const media: PagePreview['media'] = [];
  const body = renderWxml(wxml, page.data, {
    source,
    media: (el) => {
      const url = mediaUrl(el);
      const frame = frames.get(url);
      media.push({ tag: el.tag, url, frame: frame !== undefined && !(frame instanceof Error), ...(frame instanceof Error ? { reason: frame.message } : {}) });
      if (frame === undefined || frame instanceof Error) return mediaPlaceholder(el, frame?.message);
      return `<img src="data:image/jpeg;base64,${frame.toString('base64')}" alt="${escapeHtml(el.tag)}">`;
    },
  });
  return { html: previewDocument(body, wxss, bar), media };
}

export interface PhoneScreen {
  /** Draws `html` and saves the screen as a PNG at `file`. */
  shoot(html: string, file: string): Promise<void>;
  close(): Promise<void>;
}

/** A phone's screen (375x667 at 2x) in Chromium; started ahead, its start overlaps what the test does meanwhile. */
export async function phoneScreen(): Promise<PhoneScreen> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  return {
    async shoot(html, file) {
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: file });
      await page.close();
    },
    close: () => browser.close(),
  };
}

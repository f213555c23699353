// The preview of the example's own service page, from its files and data given here (no system, no media).
import { exampleDir } from './example';
import { previewPage } from './page-preview';
import type { PageInstance } from './phone';

const inCall = (data: Record<string, unknown>) =>
  ({ route: 'pages/service/service', setData: () => undefined, data: { team: 'claims', callId: 'c_1', status: 'Connecting…', stateText: 'in call', active: true, pushUrl: '', remoteUrl: '', t: { hangUp: 'Hang up', cancel: 'Cancel' }, ...data } }) as PageInstance;

it('shows a frame in each live component, or says what it would play and why not', async () => {
  const frames: string[] = [];
  const grab = async (url: string) => {
    frames.push(url);
    if (url.includes('agent')) return Buffer.from('jpeg!');
    throw new Error('no frame: connection refused');
  };
  const preview = await previewPage(exampleDir, inCall({ remoteUrl: 'rtmp://127.0.0.1:1/live/agent', pushUrl: 'rtmp://127.0.0.1:1/live/me?sig=a&b=1' }), { grab });
  expect(frames.sort()).toEqual(['rtmp://127.0.0.1:1/live/agent', 'rtmp://127.0.0.1:1/live/me?sig=a&b=1']);
  expect(preview.media).toEqual([
    { tag: 'live-player', url: 'rtmp://127.0.0.1:1/live/agent', frame: true },
    { tag: 'live-pusher', url: 'rtmp://127.0.0.1:1/live/me?sig=a&b=1', frame: false, reason: 'no frame: connection refused' },
  ]);
  expect(preview.html).toContain(`<img src="data:image/jpeg;base64,${Buffer.from('jpeg!').toString('base64')}" alt="live-player">`);
  expect(preview.html).toContain('&lt;live-pusher&gt; would push to rtmp://127.0.0.1:1/live/me?sig=a&amp;b=1<br>no frame: connection refused');
  // service.json's title on app.json's bar; the page's WXSS in px; its words as the data has them.
  expect(preview.html).toContain('<div class="wx-navigation-bar" style="background: #0b6bcb; color: #fff">Customer service</div>');
  expect(preview.html).toContain('.local { position: absolute; right: 12px; top: 12px; width: 120px; height: 160px; border-radius: 6px; }');
  expect(preview.html).toContain('claims · in call');
});

it('before the agent streams, the page says so in place of the player; a URL that is not RTMP is not fetched', async () => {
  const grab = jest.fn(async () => Buffer.from(''));
  const preview = await previewPage(exampleDir, inCall({ pushUrl: 'room://cloud.tencent.com/rtc?userid=me' }), { grab, title: 'Help' });
  expect(grab).not.toHaveBeenCalled();
  expect(preview.html).toContain('<wx-view class="remote waiting">Connecting…</wx-view>');
  expect(preview.media).toEqual([{ tag: 'live-pusher', url: 'room://cloud.tencent.com/rtc?userid=me', frame: false, reason: 'not an RTMP URL: nothing here can play it' }]);
  expect(preview.html).toContain('>Help</div>');
});

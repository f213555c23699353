import { previewDocument, renderWxml, rpxToPx, wxssToCss, WxmlPreviewError } from './wxml-preview';

const render = (wxml: string, data: Record<string, unknown>) => renderWxml(wxml, data, { source: 'tiny.wxml' });
/** The words a reader would see, one space apart. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').trim().split(/\s+/).join(' ');

it('fills {{ }} in text and attributes: an attribute that is one expression keeps its value, a missing name is empty', () => {
  const data = { t: { hello: 'Hello' }, name: 'Ann', count: 2, busy: false, team: '' };
  expect(render('<view class="who {{count > 1 ? \'many\' : \'one\'}}">{{t.hello}}, {{name}}{{nobody}}! {{count * 2}}</view>', data)).toBe('<wx-view class="who many">Hello, Ann! 4</wx-view>');
  expect(render('<button class="primary" loading="{{busy}}" disabled="{{!team}}">Call</button>', data)).toBe('<wx-button class="primary" disabled="true">Call</wx-button>');
  expect(render('<text>{{a}} &lt; {{b}}</text>', { a: 1, b: '<2>' })).toBe('<wx-text>1 &lt; &lt;2&gt;</wx-text>');
  expect(render('<input placeholder="{{t.hello}}" value="{{name}}" bindinput="onName" />', data)).toBe('<wx-input placeholder="Hello" value="Ann"><input value="Ann" placeholder="Hello"></wx-input>');
});

it('wx:if / wx:elif / wx:else pick one of a chain; a comment or blank between them keeps the chain', () => {
  const wxml = '<view wx:if="{{n === 1}}">one</view>\n<!-- between -->\n<view wx:elif="{{n === 2}}">two</view> <view wx:else>many</view><text>after</text>';
  expect([1, 2, 3].map((n) => textOf(render(wxml, { n })))).toEqual(['one after', 'two after', 'many after']);
  expect(textOf(render('<view wx:if="{{x}}">a</view><view wx:if="{{!x}}">b</view><view wx:else>c</view>', { x: true }))).toBe('a c');
  expect(() => render('<view>a</view><view wx:else>b</view>', {})).toThrow(WxmlPreviewError);
  expect(() => render('<view wx:else>b</view>', {})).toThrow(expect.objectContaining({ code: 'WXML_ORPHAN_ELSE' }));
});

it('wx:for repeats with item and index (or the names given), before a wx:if on the same element; <block> leaves no element', () => {
  const players = [{ name: 'Bo', on: true }, { name: 'Cy', on: false }, { name: 'Di', on: true }];
  expect(textOf(render('<view wx:for="{{players}}" wx:key="name">{{index}}:{{item.name}}</view>', { players }))).toBe('0:Bo 1:Cy 2:Di');
  expect(textOf(render('<view wx:for="{{players}}" wx:for-item="p" wx:for-index="i" wx:if="{{p.on}}">{{i}}{{p.name}}</view>', { players }))).toBe('0Bo 2Di');
  expect(render('<block wx:for="{{3}}"><text>{{item}}</text></block>', {})).toBe('<wx-text>0</wx-text><wx-text>1</wx-text><wx-text>2</wx-text>');
  expect(render('<block wx:if="{{ok}}">yes</block><block wx:else>no</block>', { ok: false })).toBe('no');
  expect(textOf(render('<view wx:for="{{ {a: 1, b: 2} }}">{{index}}={{item}}</view>', {}))).toBe('a=1 b=2');
});

it('live components get a box from the media callback; bindings and wx: attributes do not reach the HTML', () => {
  const html = renderWxml('<live-player wx:if="{{src}}" src="{{src}}" class="remote" bindstatechange="on" autoplay />', { src: 'rtmp://x/live/a' }, { media: (el) => `[${el.tag} ${el.attrs.src}]` });
  expect(html).toBe('<wx-live-player src="rtmp://x/live/a" class="remote" autoplay="">[live-player rtmp://x/live/a]</wx-live-player>');
  expect(renderWxml('<live-pusher url="{{u}}" />', { u: 'room://cloud' })).toContain('&lt;live-pusher&gt; would push to room://cloud');
});

it('rpx is a 750th of a 375 px phone; WXSS type selectors become the preview\'s elements', () => {
  expect(rpxToPx('margin: 24rpx -12rpx; width: 750rpx; height: 1.5rpx')).toBe('margin: 12px -6px; width: 375px; height: 0.75px');
  expect(wxssToCss('page { color: red; }\nbutton.primary, .card > text { top: 2rpx }\n.video, .input-row view:first-child {}')).toBe(
    'wx-page { color: red; }\nwx-button.primary, .card > wx-text { top: 1px }\n.video, .input-row wx-view:first-child {}',
  );
  expect(previewDocument('<wx-view>x</wx-view>', ['.a { width: 100rpx }'])).toContain('.a { width: 50px }');
  expect(previewDocument('x', [], { title: 'Q&A', background: '#0b6bcb', textStyle: 'white' })).toContain('<div class="wx-navigation-bar" style="background: #0b6bcb; color: #fff">Q&amp;A</div><div class="wx-page-area"><wx-page>x</wx-page>');
});

it('bad input is refused with a code that names the place', () => {
  expect(() => render('<view>{{ a ( }}</view>', {})).toThrow(expect.objectContaining({ code: 'WXML_BAD_EXPRESSION', message: expect.stringContaining('tiny.wxml') }));
  expect(() => render('<view>{{ a.b.c }}</view>', {})).toThrow(expect.objectContaining({ code: 'WXML_BAD_EXPRESSION' }));
  expect(() => render('<import src="x.wxml" />', {})).toThrow(expect.objectContaining({ code: 'WXML_UNSUPPORTED' }));
});

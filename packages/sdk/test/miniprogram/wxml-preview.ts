// WXML and WXSS to HTML, for a picture of a mini-program page in tests: a page's .wxml rendered with
// its instance's current data, the way WeChat's view layer would, into elements named as WeChat's own
// web view names them (<wx-view>, <wx-button>...), so the page's .wxss applies with its type selectors
// rewritten and rpx turned into px for a phone 375 px wide. Covers what the example uses: {{ }}
// expressions, wx:if / wx:elif / wx:else, wx:for (with -item, -index, -key), <block>, and the
// components view, text, button, input, image, live-player and live-pusher. Not WeChat: a native
// component's look is an approximation, and <template>, <import>, <include> and <wxs> are refused.
import { parseDocument } from 'htmlparser2';
import type { ChildNode, Element } from 'domhandler';

/** A WXML the preview cannot render: a stable `code` and a message naming the place. */
export class WxmlPreviewError extends Error {
  constructor(
    readonly code: 'WXML_BAD_EXPRESSION' | 'WXML_ORPHAN_ELSE' | 'WXML_UNSUPPORTED',
    message: string,
  ) {
    super(message);
    this.name = 'WxmlPreviewError';
  }
}

/** A <live-player> or <live-pusher> as rendered: its tag and evaluated attributes. */
export interface MediaElement {
  tag: 'live-player' | 'live-pusher';
  attrs: Record<string, string>;
}

export interface WxmlRenderOptions {
  /** What a live-player or live-pusher shows inside its box (HTML); a labelled placeholder by default. */
  media?: (element: MediaElement) => string;
  /** Named in error messages ('pages/service/service.wxml'). */
  source?: string;
}

const phoneWidthPx = 375;
const components = ['page', 'view', 'text', 'button', 'input', 'image', 'live-player', 'live-pusher', 'block', 'scroll-view', 'navigator', 'icon', 'textarea', 'label', 'switch', 'picker', 'swiper', 'swiper-item'];
const unsupported = new Set(['template', 'import', 'include', 'wxs']);
const voidInside = new Set(['input', 'image', 'live-player', 'live-pusher', 'icon']);

export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 750 rpx is the phone's width. */
export const rpxToPx = (css: string): string => css.replace(/(-?\d*\.?\d+)rpx\b/g, (_, n: string) => `${+((Number(n) * phoneWidthPx) / 750).toFixed(3)}px`);

/** WXSS to CSS: rpx to px, and type selectors of WXML components to the elements the preview makes. */
export function wxssToCss(wxss: string): string {
  const tag = new RegExp(`(^|[\\s,>+~(])(${components.join('|')})(?=[\\s,.:#\\[>+~)]|$)`, 'g');
  return rpxToPx(wxss.replace(/\/\*[\s\S]*?\*\//g, '')).replace(/(^|[{}])([^{}@]+)\{/g, (_, before: string, selectors: string) => `${before}${selectors.replace(tag, '$1wx-$2')}{`);
}

const expressions = new Map<string, (scope: object) => unknown>();

/** One {{ }} expression against the data in scope: a name not in the data is undefined, as in WXML. */
function evaluate(expression: string, scope: Record<string, unknown>, source: string): unknown {
  let fn = expressions.get(expression);
  if (!fn) {
    try {
      fn = new Function('scope', `with (scope) { return (${expression}); }`) as (scope: object) => unknown;
    } catch (err) {
      throw new WxmlPreviewError('WXML_BAD_EXPRESSION', `${source}: {{${expression}}} is not an expression: ${(err as Error).message}`);
    }
    expressions.set(expression, fn);
  }
  const lookup = new Proxy(scope, { has: (_, key) => typeof key === 'string', get: (target, key) => (typeof key === 'string' ? target[key] : undefined) });
  try {
    return fn(lookup);
  } catch (err) {
    throw new WxmlPreviewError('WXML_BAD_EXPRESSION', `${source}: {{${expression}}} failed: ${(err as Error).message}`);
  }
}

/** An attribute or text: "{{x}}" alone gives x's value itself, anything else a string with each {{ }} filled in. */
function valueOf(text: string, scope: Record<string, unknown>, source: string): unknown {
  const whole = /^\{\{([\s\S]*?)\}\}$/.exec(text);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, scope, source);
  return text.replace(/\{\{([\s\S]*?)\}\}/g, (_, expression: string) => {
    const value = evaluate(expression, scope, source);
    return value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

class Renderer {
  constructor(
    private readonly options: Required<WxmlRenderOptions>,
  ) {}

  nodes(nodes: ChildNode[], scope: Record<string, unknown>): string {
    let out = '';
    let chain: 'open' | 'taken' | undefined; // after a wx:if or wx:elif: whether one of them rendered
    for (const node of nodes) {
      if (node.type === 'comment') continue;
      if (node.type === 'text') {
        if (/\S/.test(node.data)) chain = undefined;
        out += escapeHtml(String(valueOf(node.data, scope, this.options.source) ?? ''));
        continue;
      }
      if (node.type !== 'tag') continue;
      const el = node as Element;
      const attribs = el.attribs;
      if ('wx:for' in attribs) {
        chain = undefined;
        out += this.loop(el, scope);
      } else if ('wx:if' in attribs) {
        const shown = Boolean(valueOf(attribs['wx:if']!, scope, this.options.source));
        chain = shown ? 'taken' : 'open';
        if (shown) out += this.element(el, scope);
      } else if ('wx:elif' in attribs || 'wx:else' in attribs) {
        if (!chain) throw new WxmlPreviewError('WXML_ORPHAN_ELSE', `${this.options.source}: <${el.name} ${'wx:elif' in attribs ? 'wx:elif' : 'wx:else'}> follows no wx:if`);
        const shown = chain === 'open' && ('wx:else' in attribs || Boolean(valueOf(attribs['wx:elif']!, scope, this.options.source)));
        if (shown) out += this.element(el, scope);
        chain = 'wx:else' in attribs ? undefined : shown || chain === 'taken' ? 'taken' : 'open';
      } else {
        chain = undefined;
        out += this.element(el, scope);
      }
    }
    return out;
  }

  /** wx:for comes before wx:if on one element: the condition is asked per item. */
  private loop(el: Element, scope: Record<string, unknown>): string {
    const list = valueOf(el.attribs['wx:for']!, scope, this.options.source);
    const itemName = el.attribs['wx:for-item'] || 'item';
    const indexName = el.attribs['wx:for-index'] || 'index';
    const entries: [unknown, unknown][] =
      typeof list === 'number' ? Array.from({ length: list }, (_, i) => [i, i])
      : typeof list === 'string' ? [...list].map((c, i) => [i, c])
      : Array.isArray(list) ? list.map((v, i) => [i, v])
      : list && typeof list === 'object' ? Object.entries(list)
      : [];
    return entries
      .map(([index, item]) => {
        const inner = { ...scope, [itemName]: item, [indexName]: index };
        const condition = el.attribs['wx:if'];
        return condition === undefined || valueOf(condition, inner, this.options.source) ? this.element(el, inner) : '';
      })
      .join('');
  }

  private element(el: Element, scope: Record<string, unknown>): string {
    const tag = el.name;
    if (unsupported.has(tag)) throw new WxmlPreviewError('WXML_UNSUPPORTED', `${this.options.source}: <${tag}> is not rendered by the preview`);
    if (tag === 'block') return this.nodes(el.children, scope);
    const attrs: Record<string, string> = {};
    for (const [name, raw] of Object.entries(el.attribs)) {
      if (/^(wx:|bind|catch|capture-|mut-bind)/.test(name)) continue;
      const value = valueOf(raw, scope, this.options.source);
      if (value === false || value === undefined || value === null) continue;
      attrs[name] = name === 'style' ? rpxToPx(String(value)) : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    const open = `<wx-${tag}${Object.entries(attrs)
      .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
      .join('')}>`;
    return `${open}${this.inside(tag, attrs, el, scope)}</wx-${tag}>`;
  }

  private inside(tag: string, attrs: Record<string, string>, el: Element, scope: Record<string, unknown>): string {
    if (tag === 'live-player' || tag === 'live-pusher') return this.options.media({ tag, attrs });
    if (tag === 'input') {
      const field = ['value', 'placeholder', 'disabled'].filter((a) => a in attrs).map((a) => ` ${a}="${escapeHtml(attrs[a]!)}"`);
      return `<input${field.join('')}>`;
    }
    if (tag === 'image') return attrs.src ? `<img src="${escapeHtml(attrs.src)}" alt="">` : '';
    if (voidInside.has(tag)) return '';
    return this.nodes(el.children, scope);
  }
}

/** A box saying what the component would show, for when there is no frame to show. */
export const mediaPlaceholder = ({ tag, attrs }: MediaElement, why = ''): string =>
  `<div class="wx-media-placeholder">&lt;${tag}&gt; would ${tag === 'live-player' ? 'play' : 'push to'} ${escapeHtml(attrs.src ?? attrs.url ?? '(no URL)')}${why ? `<br>${escapeHtml(why)}` : ''}</div>`;

/** The page's WXML as HTML elements (no document around it), with `data` as the page's data. */
export function renderWxml(wxml: string, data: Record<string, unknown>, options: WxmlRenderOptions = {}): string {
  const document = parseDocument(wxml, { xmlMode: true, recognizeSelfClosing: true, decodeEntities: true });
  const renderer = new Renderer({ media: (element) => mediaPlaceholder(element), source: 'wxml', ...options });
  return renderer.nodes(document.children, data);
}

/** What WeChat's components look like before a page styles them (approximately: WeChat's defaults). */
const baseCss = `
html, body { margin: 0; padding: 0; }
[hidden] { display: none !important; }
wx-page { display: block; min-height: 100vh; font-family: -apple-system-font, "Helvetica Neue", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 16px; line-height: 1.4; }
wx-view, wx-scroll-view, wx-navigator, wx-swiper, wx-label { display: block; }
wx-text { display: inline; white-space: pre-wrap; }
wx-button { display: block; box-sizing: border-box; margin: 12px auto 0; padding: 8px 24px; width: 184px; font-size: 17px; font-weight: 700; text-align: center; line-height: 1.41; border-radius: 8px; background: #f2f2f2; color: #06ae56; }
wx-button[disabled] { opacity: 0.6; }
wx-button[loading]::before { content: '\\25CC  '; }
wx-input { display: block; height: 1.4em; min-height: 1.4em; overflow: hidden; }
wx-input input { border: 0; padding: 0; margin: 0; width: 100%; font: inherit; color: inherit; background: transparent; outline: none; }
wx-image { display: inline-block; width: 320px; height: 240px; overflow: hidden; }
wx-image img { width: 100%; height: 100%; object-fit: fill; }
wx-live-player, wx-live-pusher { display: block; width: 300px; height: 225px; overflow: hidden; background: #000; }
wx-live-player img, wx-live-pusher img { display: block; width: 100%; height: 100%; object-fit: contain; }
wx-live-player[object-fit="fillCrop"] img, wx-live-pusher img { object-fit: cover; }
.wx-navigation-bar { height: 44px; line-height: 44px; text-align: center; font-family: -apple-system-font, "Helvetica Neue", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 17px; font-weight: 600; }
.wx-page-area { position: relative; height: calc(100vh - 44px); overflow: hidden; transform: translateZ(0); }
.wx-page-area wx-page { min-height: 100%; }
.wx-media-placeholder { box-sizing: border-box; height: 100%; padding: 8px; display: flex; align-items: center; justify-content: center; text-align: center; color: #cfd4dc; font-size: 11px; word-break: break-all; }
`;

/** WeChat's navigation bar above a page, from app.json's window and the page's .json. */
export interface NavigationBar {
  title: string;
  background: string;
  textStyle: 'white' | 'black';
}

/**
 * A whole HTML document: the rendered page inside <wx-page>, app.wxss then the page's .wxss applied,
 * under the navigation bar when given (position: fixed in the page then starts below it, as in WeChat).
 */
export function previewDocument(body: string, wxss: string[], bar?: NavigationBar): string {
  const css = [baseCss, ...wxss.map(wxssToCss)].join('\n');
  const head = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=${phoneWidthPx}"><style>${css}</style></head><body>`;
  if (!bar) return `${head}<wx-page>${body}</wx-page></body></html>`;
  const barHtml = `<div class="wx-navigation-bar" style="background: ${escapeHtml(bar.background)}; color: ${bar.textStyle === 'white' ? '#fff' : '#000'}">${escapeHtml(bar.title)}</div>`;
  return `${head}${barHtml}<div class="wx-page-area"><wx-page>${body}</wx-page></div></body></html>`;
}

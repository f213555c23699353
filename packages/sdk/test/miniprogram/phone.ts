// A phone running a mini-program, for tests: the mini-program's own files (app.js, its pages, its
// utils, and miniprogram_npm as DevTools' "Build npm" left it) run as WeChat runs them: CommonJS
// modules inside the mini-program root only (no Node built-ins: a require of anything else fails as
// WeChat's does, and `process`, `Buffer`, `globalThis`, `fetch`, `WebSocket` are not there), with
// App(), Page(), getApp(), getCurrentPages() and a `wx` whose connectSocket is a real WebSocket
// (fake-wx.ts) and whose request is a real HTTP request. Pages live on a stack with their lifecycle
// (onLoad(query) with the query as written in the URL, onShow, onHide, onUnload); setData is checked
// as WeChat checks it. What the user sees is recorded: toasts, modals, titles. The phone has a language
// (wx.getAppBaseInfo().language, 'en' unless told: WeChat's own tags, e.g. 'zh_CN') and a storage
// (wx.getStorageSync/setStorageSync), which phones may share to stand for one phone started again.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fakeWx } from '../fake-wx';

export type PageInstance = { route: string; data: Record<string, any>; setData(patch: Record<string, unknown>): void; [key: string]: any };

export interface Phone {
  readonly root: string;
  /** The page stack, bottom first. */
  readonly pages: PageInstance[];
  readonly toasts: string[];
  readonly modals: { title: string; content: string }[];
  readonly titles: string[];
  /** What WeChat would print as warnings or errors: setData misuse, a page's failed onLoad. */
  readonly problems: string[];
  /** What the mini-program stored (wx.setStorageSync). */
  readonly storage: Map<string, unknown>;
  /** The page on top, checked to be `route` when given. */
  top(route?: string): PageInstance;
  /** What wx.navigateTo({ url }) does, resolved once the page has loaded (a link into the mini-program). */
  navigateTo(url: string): Promise<PageInstance>;
  /** How the next modals are answered (default: confirm). */
  answerModalsWith(answer: 'confirm' | 'cancel'): void;
  /** A module of the mini-program, as a page would require it ('/utils/session.js'). */
  require(path: string): any;
  /** What a page file gave Page() (its data and methods), e.g. 'pages/room/room'. */
  definition(route: string): Record<string, any>;
  /** Every page unloaded, top first. */
  unloadAll(): Promise<void>;
  /** WeChat ends the mini-program (closed in the background): its sockets drop without a goodbye, and nothing of it connects again. */
  kill(): void;
}

const wechatLacks = ['process', 'Buffer', 'global', 'globalThis', 'setImmediate', 'clearImmediate', '__dirname', '__filename', 'fetch', 'WebSocket', 'window', 'document'];

export interface PhoneOptions {
  /** WeChat's language setting as the phone reports it: 'en' (default), 'zh_CN'... */
  language?: string;
  /** The mini-program's storage; pass one phone's to another to keep what was stored. */
  storage?: Map<string, unknown>;
}

/** Starts the mini-program in `root` (app.js, then app.json's first page) and resolves once that page loaded. */
export async function startPhone(root: string, options: PhoneOptions = {}): Promise<Phone> {
  const language = options.language ?? 'en';
  const storage = options.storage ?? new Map<string, unknown>();
  const modules = new Map<string, { exports: any }>();
  const definitions = new Map<string, Record<string, any>>();
  const appJson = JSON.parse(readFileSync(join(root, 'app.json'), 'utf8')) as { pages: string[] };
  const pages: PageInstance[] = [];
  const problems: string[] = [];
  const toasts: string[] = [];
  const modals: Phone['modals'] = [];
  const titles: string[] = [];
  let modalAnswer: 'confirm' | 'cancel' = 'confirm';
  let app: Record<string, any> | undefined;
  let registering: ((def: Record<string, any>) => void) | undefined;
  const later = (fn: () => void) => setTimeout(fn, 0);

  const inRoot = (path: string) => path === root || path.startsWith(root + sep);
  const asFile = (path: string) => [path, `${path}.js`, join(path, 'index.js')].find((p) => inRoot(p) && existsSync(p) && statSync(p).isFile());

  function resolveModule(spec: string, from: string): string {
    if (spec.startsWith('.') || spec.startsWith('/')) {
      const found = asFile(spec.startsWith('/') ? join(root, spec) : resolve(dirname(from), spec));
      if (found) return found;
    } else {
      // An npm package: miniprogram_npm beside the requiring file or above it, up to the root.
      for (let dir = dirname(from); inRoot(dir); dir = dirname(dir)) {
        const found = asFile(join(dir, 'miniprogram_npm', spec));
        if (found) return found;
      }
    }
    throw new Error(`module '${spec}' is not defined, require args is '${spec}' (from ${relative(root, from)}): only the mini-program's files and miniprogram_npm exist in WeChat`);
  }

  function load(file: string): any {
    const cached = modules.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as any };
    modules.set(file, module);
    const body = new Function('require', 'module', 'exports', 'App', 'Page', 'getApp', 'getCurrentPages', 'wx', ...wechatLacks, readFileSync(file, 'utf8'));
    body((spec: string) => load(resolveModule(spec, file)), module, module.exports, App, Page, getApp, () => [...pages], wx);
    return module.exports;
  }

  function App(def: Record<string, any>) {
    app = def;
  }
  function Page(def: Record<string, any>) {
    if (!registering) throw new Error('Page() called outside a page file');
    registering(def);
  }
  function getApp() {
    return app;
  }

  function definitionOf(route: string): Record<string, any> {
    if (!appJson.pages.includes(route)) throw new Error(`navigateTo:fail page "${route}" is not found (app.json)`);
    if (!definitions.has(route)) {
      registering = (def) => definitions.set(route, def);
      try {
        load(join(root, `${route}.js`));
      } finally {
        registering = undefined;
      }
    }
    return definitions.get(route)!;
  }

  function setData(this: PageInstance, patch: Record<string, unknown>) {
    for (const [key, value] of Object.entries(patch)) {
      if (/[.[]/.test(key)) throw new Error(`setData path "${key}": the test phone only takes plain keys`);
      if (value === undefined) problems.push(`${this.route}: Setting data field "${key}" to undefined is invalid.`);
      else this.data[key] = JSON.parse(JSON.stringify(value)); // what reaches the view is serialised
    }
  }

  async function open(url: string): Promise<PageInstance> {
    const [path, search = ''] = url.replace(/^\//, '').split('?');
    const def = definitionOf(path!);
    // The query as written in the URL: WeChat does not decode it (the pages decodeURIComponent it).
    const query = Object.fromEntries(search.split('&').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=') < 0 ? undefined : kv.indexOf('=')), kv.includes('=') ? kv.slice(kv.indexOf('=') + 1) : '']));
    const page = { ...def, data: JSON.parse(JSON.stringify(def.data ?? {})), route: path!, setData } as PageInstance;
    pages[pages.length - 1]?.onHide?.();
    pages.push(page);
    try {
      await page.onLoad?.(query);
      page.onShow?.();
      page.onReady?.();
    } catch (err) {
      problems.push(`${path}: onLoad failed: ${(err as Error)?.stack ?? err}`);
    }
    return page;
  }

  function back(delta = 1) {
    for (let i = 0; i < delta && pages.length > 1; i++) pages.pop()!.onUnload?.();
    pages[pages.length - 1]?.onShow?.();
  }

  const sockets = fakeWx();
  let killed = false;
  const wxApi: Record<string, unknown> = {
    // A killed mini-program's client, which lives on in this process, reaches nothing (a port no one listens on).
    connectSocket: (o: Parameters<typeof sockets.connectSocket>[0]) => sockets.connectSocket(killed ? { ...o, url: 'ws://127.0.0.1:1/' } : o),
    request(o: { url: string; data?: Record<string, string>; method?: string; success?: (r: unknown) => void; fail?: (r: unknown) => void; complete?: (r: unknown) => void }) {
      const url = new URL(o.url);
      for (const [k, v] of Object.entries(o.data ?? {})) url.searchParams.set(k, String(v));
      fetch(url, { method: o.method ?? 'GET' })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // not JSON: WeChat hands the text over
          }
          const r = { statusCode: res.status, data, header: Object.fromEntries(res.headers) };
          later(() => (o.success?.(r), o.complete?.(r)));
        })
        .catch((err: Error) => later(() => (o.fail?.({ errMsg: `request:fail ${err.message}` }), o.complete?.({}))));
    },
    showToast: (o: { title: string }) => void toasts.push(o.title),
    showModal(o: { title: string; content: string; success?: (r: { confirm: boolean; cancel: boolean }) => void }) {
      modals.push({ title: o.title, content: o.content });
      const answer = modalAnswer;
      later(() => o.success?.({ confirm: answer === 'confirm', cancel: answer === 'cancel' }));
    },
    setNavigationBarTitle: (o: { title: string }) => void titles.push(o.title),
    getAppBaseInfo: () => ({ language, SDKVersion: '3.4.0', theme: 'light' }),
    getSystemInfoSync: () => ({ language, platform: 'devtools', SDKVersion: '3.4.0' }),
    // A key never set reads as '' (WeChat's getStorageSync); values are stored as JSON is.
    getStorageSync: (key: string) => (storage.has(key) ? JSON.parse(JSON.stringify(storage.get(key))) : ''),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, JSON.parse(JSON.stringify(value))),
    removeStorageSync: (key: string) => void storage.delete(key),
    navigateTo(o: { url: string }) {
      void open(o.url);
    },
    navigateBack(o: { delta?: number } = {}) {
      back(o.delta);
    },
  };
  const wx = new Proxy(wxApi, {
    get(target, name: string) {
      if (!(name in target)) throw new Error(`wx.${name} is not emulated by the test phone: add it to phone.ts`);
      return target[name];
    },
  });

  load(join(root, 'app.js'));
  if (!app) throw new Error('app.js did not call App()');
  app.onLaunch?.({});
  await open(appJson.pages[0]!);

  return {
    root,
    pages,
    toasts,
    modals,
    titles,
    problems,
    storage,
    top(route) {
      const page = pages[pages.length - 1]!;
      if (route && page.route !== route) throw new Error(`the page on top is ${page.route}, not ${route}`);
      return page;
    },
    navigateTo: open,
    answerModalsWith: (answer) => void (modalAnswer = answer),
    require: (path) => load(resolveModule(path, join(root, 'app.js'))),
    definition: definitionOf,
    async unloadAll() {
      while (pages.length > 0) pages.pop()!.onUnload?.();
    },
    kill() {
      killed = true;
      for (const ws of sockets.open) ws.terminate();
    },
  };
}

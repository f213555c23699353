// Which language the client speaks: zh-CN or en, from an option or from the platform's locale.

/** The languages the SDK's messages are written in. */
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];

/**
 * The supported language a locale tag stands for: any Chinese tag (zh, zh_CN as WeChat writes it,
 * zh-Hans, zh-TW...) is zh-CN, the only Chinese written here; anything else is en.
 */
export function normalizeLocale(tag: string | undefined | null): Locale {
  return typeof tag === 'string' && /^zh([-_]|$)/i.test(tag.trim()) ? 'zh-CN' : 'en';
}

interface WxLocaleApi {
  getAppBaseInfo?: () => { language?: string };
  getSystemInfoSync?: () => { language?: string };
}

// Module-scoped: the SDK is built without DOM or WeChat typings.
declare const wx: WxLocaleApi | undefined;
declare const navigator: { language?: string } | undefined;

/** The platform's locale tag, where it gives one: WeChat's language, the browser's, then Intl's (Node). */
export function platformLocaleTag(): string | undefined {
  const readers: (() => string | undefined)[] = [
    // getAppBaseInfo replaces getSystemInfoSync (base library 2.20.1); older WeChat has only the latter.
    () => (typeof wx === 'object' && wx && 'getAppBaseInfo' in wx ? wx.getAppBaseInfo?.().language : undefined),
    () => (typeof wx === 'object' && wx && 'getSystemInfoSync' in wx ? wx.getSystemInfoSync?.().language : undefined),
    () => (typeof navigator === 'object' && navigator ? navigator.language : undefined),
    () => (typeof Intl === 'object' ? Intl.DateTimeFormat().resolvedOptions().locale : undefined),
  ];
  for (const read of readers) {
    try {
      const tag = read();
      if (tag) return tag;
    } catch {
      // an API that is there but fails (a mini-program outside WeChat, a locked-down browser): try the next
    }
  }
  return undefined;
}

/** The language for `option` when given (a tag, e.g. 'zh_CN'), else the platform's. */
export function detectLocale(option?: string): Locale {
  return normalizeLocale(option ?? platformLocaleTag());
}

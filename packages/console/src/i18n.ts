// The console's language: zh-CN or en, chosen with the switch in the top bar and remembered in
// localStorage, else the browser's (navigator.language). The words come from the SDK's catalog, which
// the mini-program example uses too. index.html marks its text with data-i18n (textContent),
// data-i18n-html (the catalog's own markup), data-i18n-placeholder and data-i18n-title; code calls t().
// The event log stays English: like the server's messages, it is a trace for developers.
import { detectLocale, translate } from '@rtcroom/sdk';
import type { Locale, UiKey } from '@rtcroom/sdk';

const storageKey = 'rtcroom.console.locale';
const listeners: ((locale: Locale) => void)[] = [];

function chosen(): string | undefined {
  try {
    return localStorage.getItem(storageKey) ?? undefined;
  } catch {
    return undefined; // storage blocked: the browser's language
  }
}

let locale: Locale = detectLocale(chosen());

export function currentLocale(): Locale {
  return locale;
}

export function t(key: UiKey, params?: Record<string, string | number>): string {
  return translate(key, locale, params);
}

/** Switches and remembers the language, rewrites the page's marked text, then tells the listeners (redraws). */
export function setLocale(next: Locale): void {
  locale = next;
  try {
    localStorage.setItem(storageKey, next);
  } catch {
    // not remembered, still switched
  }
  applyToPage();
  for (const listener of listeners) listener(next);
}

export function onLocaleChange(listener: (locale: Locale) => void): void {
  listeners.push(listener);
}

/** The marked text of the page in the current language. */
export function applyToPage(): void {
  document.documentElement.lang = locale;
  document.title = `rtcroom ${t('consoleName')}`;
  const each = (attribute: string, apply: (el: HTMLElement, text: string) => void) => {
    for (const el of document.querySelectorAll<HTMLElement>(`[${attribute}]`)) apply(el, t(el.getAttribute(attribute) as UiKey));
  };
  each('data-i18n', (el, text) => (el.textContent = text));
  each('data-i18n-html', (el, text) => (el.innerHTML = text));
  each('data-i18n-placeholder', (el, text) => el.setAttribute('placeholder', text));
  each('data-i18n-title', (el, text) => (el.title = text));
  const select = document.getElementById('language') as HTMLSelectElement | null;
  if (select) select.value = locale;
}

/** The language switch in the top bar. */
export function wireLanguageSwitch(): void {
  const select = document.getElementById('language') as HTMLSelectElement;
  select.addEventListener('change', () => setLocale(select.value === 'zh-CN' ? 'zh-CN' : 'en'));
  applyToPage();
}

// Turning codes and keys into text in a language: error codes (error-messages.ts), pusher and player
// codes (media-messages.ts), and the UI strings the console and the mini-program example share
// (ui-messages.ts). `{name}` in a string is filled from `params`.
import { errorMessages, Translations, unknownErrorMessage } from './error-messages.js';
import type { Locale } from './locale.js';
import { playerMessagesZh, pusherMessagesZh } from './media-messages.js';
import { uiMessages, UiKey } from './ui-messages.js';

function fill(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** What an error code means, in `locale`; a code without a line yet is named in a generic one. */
export function errorMessage(code: string, locale: Locale): string {
  return fill((errorMessages[code] ?? unknownErrorMessage)[locale], { code });
}

/** An error in `locale`: its code's message for an RtcRoomError (or anything with a `code`), else its own message. */
export function describeError(err: unknown, locale: Locale): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code)) return errorMessage(code, locale);
  return err instanceof Error ? err.message : String(err);
}

/** A <live-pusher> state code in `locale` (`english`: live-glue's meaning, used for en and for codes without a line). */
export function pusherMessage(code: number, english: string, locale: Locale): string {
  return locale === 'zh-CN' ? pusherMessagesZh[code] ?? `推流状态码 ${code}` : english;
}

/** A <live-player> state code in `locale`. */
export function playerMessage(code: number, english: string, locale: Locale): string {
  return locale === 'zh-CN' ? playerMessagesZh[code] ?? `拉流状态码 ${code}` : english;
}

/** A UI string in `locale`, its `{name}`s filled from `params`; a key the catalog lacks (plain JS callers) comes back as it is. */
export function translate(key: UiKey, locale: Locale, params?: Record<string, string | number>): string {
  const text = uiMessages[key] as Translations | undefined;
  return text ? fill(text[locale], params) : key;
}

/** Every UI string in `locale`, by key: for a mini-program page's data (`{{t.signIn}}` in WXML). */
export function uiStrings(locale: Locale): Record<UiKey, string> {
  const strings = {} as Record<UiKey, string>;
  for (const key of Object.keys(uiMessages) as UiKey[]) strings[key] = uiMessages[key][locale];
  return strings;
}

// The SDK's messages in the client's language (zh-CN, en): errors, pusher and player codes, and the UI
// strings the console and the mini-program example share.
export { detectLocale, locales, normalizeLocale } from './locale.js';
export type { Locale } from './locale.js';
export { errorMessages } from './error-messages.js';
export type { Translations } from './error-messages.js';
export { uiMessages } from './ui-messages.js';
export type { UiKey } from './ui-messages.js';
export { describeError, errorMessage, translate, uiStrings } from './translate.js';

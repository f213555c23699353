// The example's language: the one the user picked on the first page (kept with wx.setStorageSync), else
// the phone's (the SDK reads wx.getAppBaseInfo). Strings come from the SDK's catalog, which the web
// console uses too; pages put them in their data as `t` (`{{t.signIn}}` in WXML).
const { describeError, detectLocale, translate, uiStrings } = require('@rtcroom/sdk');

const storageKey = 'rtcroom.locale';

/** 'zh-CN' or 'en'. */
function current() {
  let chosen = '';
  try {
    chosen = wx.getStorageSync(storageKey);
  } catch (err) {
    // storage unavailable: the phone's language
  }
  return detectLocale(chosen || undefined);
}

/** Remembers the user's choice; pages opened from now on use it. */
function choose(locale) {
  wx.setStorageSync(storageKey, locale);
}

/** Every UI string in the current language, for a page's data. */
function strings() {
  return uiStrings(current());
}

/** One UI string, `{name}`s filled from params. */
function t(key, params) {
  return translate(key, current(), params);
}

/** An error for the user: its code's message in the current language. */
function errorText(err) {
  return describeError(err, current());
}

module.exports = { current, choose, strings, t, errorText };

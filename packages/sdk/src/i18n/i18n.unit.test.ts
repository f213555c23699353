// The client's language: from the option, else the platform's (WeChat, browser, Intl), and what it
// makes of codes.
import { RtcRoomClient } from '../client';
import { RtcRoomError } from '../errors';
import { detectLocale, normalizeLocale } from './locale';
import { describeError, errorMessage, translate } from './translate';

const g = globalThis as { wx?: unknown; navigator?: unknown };
afterEach(() => {
  delete g.wx;
});

it('takes any Chinese tag as zh-CN and anything else as en', () => {
  expect(['zh_CN', 'zh-CN', 'zh', 'zh-Hans-CN', 'ZH_cn', 'zh_TW'].map(normalizeLocale)).toEqual(Array(6).fill('zh-CN'));
  expect(['en', 'en_US', 'fr-FR', 'zhx', '', undefined].map(normalizeLocale)).toEqual(Array(6).fill('en'));
});

it('reads WeChat\'s language (getAppBaseInfo, else getSystemInfoSync) before Intl\'s', () => {
  g.wx = { getAppBaseInfo: () => ({ language: 'zh_CN' }) };
  expect(detectLocale()).toBe('zh-CN');
  g.wx = { getSystemInfoSync: () => ({ language: 'zh_CN' }) };
  expect(detectLocale()).toBe('zh-CN');
  g.wx = { getAppBaseInfo: () => ({ language: 'en' }), getSystemInfoSync: () => ({ language: 'zh_CN' }) };
  expect(detectLocale()).toBe('en');
  g.wx = { getAppBaseInfo: () => { throw new Error('not in WeChat'); } };
  expect(detectLocale()).toBe(normalizeLocale(Intl.DateTimeFormat().resolvedOptions().locale));
  expect(detectLocale('zh_CN')).toBe('zh-CN');
});

it('describes an error by its code in the client\'s language, keeping the server\'s English in message', () => {
  const full = new RtcRoomError('ROOM_FULL', 'room r1 has 6 of 6 seats taken');
  const client = new RtcRoomClient({ locale: 'zh_CN' });
  expect(client.locale).toBe('zh-CN');
  expect(client.describeError(full)).toBe('房间人数已满。');
  expect(full.message).toBe('ROOM_FULL: room r1 has 6 of 6 seats taken');
  client.locale = 'en-GB';
  expect(client.describeError(full)).toBe('The room is full.');
  expect(describeError(new Error('plain'), 'zh-CN')).toBe('plain');
  expect(errorMessage('SOMETHING_NEWER', 'zh-CN')).toBe('操作失败（SOMETHING_NEWER）。');
  expect(translate('roomCount', 'zh-CN', { count: 2, max: 6 })).toBe('房间内 2/6 人');
});

// The TRTC provider with Tencent's real signer (tls-sig-api-v2), its tickets taken apart here from
// Tencent's documented format alone (REFERENCE section 7), so a change of library or of our call to it
// that broke the format would show.
import { createHmac } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { tlsSigTickets } from '../../media-server/trtc-tickets';
import { deriveStreamId } from '../stream-id';
import { audiencePrivileges, createTrtcProvider, privilege, roomIdOfTrtcRoom, seatedPrivileges, trtcRoomId, trtcStreamIdPrefix, TrtcSettings } from './trtc';

const settings: TrtcSettings = { kind: 'trtc', sdkAppId: 1400123456, secretKey: 'a-trtc-secret-key-for-tests-0123456789', appScene: 'videocall', pushTtlSeconds: 86400, playTtlSeconds: 3600 };
const provider = createTrtcProvider(settings, tlsSigTickets(settings.sdkAppId, settings.secretKey));
const streamId = deriveStreamId('k'.repeat(32), trtcStreamIdPrefix, 'r_abcdefghijklmnopqrst', 'm_abcdefghijklmnopqrst');
const roomId = 'r_abcdefghijklmnopqrst';

/** Tencent's base64 variant: `+ / =` written `* - _`. */
function decodeTicket(ticket: string): Record<string, unknown> {
  expect(ticket).toMatch(/^[A-Za-z0-9*_-]+$/);
  const base64 = ticket.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8'));
}

/** The HMAC a ticket must carry, computed from the documented text. */
function expectedSig(doc: Record<string, unknown>): string {
  let text = `TLS.identifier:${doc['TLS.identifier']}\nTLS.sdkappid:${doc['TLS.sdkappid']}\nTLS.time:${doc['TLS.time']}\nTLS.expire:${doc['TLS.expire']}\n`;
  if (doc['TLS.userbuf'] !== undefined) text += `TLS.userbuf:${doc['TLS.userbuf']}\n`;
  return createHmac('sha256', settings.secretKey).update(text).digest('base64');
}

/** The PrivateMapKey's user buffer (version 1: with a string room id), field by field. */
function readUserBuf(buf: Buffer) {
  let at = 0;
  const version = buf.readUInt8(at++);
  const accountLength = buf.readUInt16BE(at);
  at += 2;
  const account = buf.subarray(at, at + accountLength).toString('latin1');
  at += accountLength;
  const sdkAppId = buf.readUInt32BE(at);
  const numericRoom = buf.readUInt32BE(at + 4);
  const expire = buf.readUInt32BE(at + 8);
  const privileges = buf.readUInt32BE(at + 12);
  const accountType = buf.readUInt32BE(at + 16);
  at += 20;
  const roomLength = buf.readUInt16BE(at);
  at += 2;
  const strRoomId = buf.subarray(at, at + roomLength).toString('latin1');
  expect(at + roomLength).toBe(buf.length);
  return { version, account, sdkAppId, numericRoom, expire, privileges, accountType, strRoomId };
}

function pushQuery() {
  const now = new Date();
  const push = provider.pushUrl(streamId, false, now, [], { roomId });
  expect(push.url.startsWith('room://cloud.tencent.com/rtc?')).toBe(true);
  return { push, now, query: new URL(push.url.replace(/^room:/, 'https:')).searchParams };
}

describe('TRTC push URL', () => {
  it('enters the room named by the rtcroom room id, as the user named by the stream id', () => {
    const { push, now, query } = pushQuery();
    expect(Object.fromEntries(query)).toMatchObject({ sdkappid: '1400123456', strroomid: roomId, userid: streamId, appscene: 'videocall', encsmall: '0', cloudenv: 'PRO', streamid: streamId });
    expect(streamId).toMatch(/^t_[a-z2-7]{24}$/);
    expect(push.expireTime.getTime()).toBe((Math.floor(now.getTime() / 1000) + settings.pushTtlSeconds) * 1000);
    expect(push.recording).toBe(false);
  });

  it('carries a UserSig for that user: deflated JSON, its HMAC over the documented text', () => {
    const doc = decodeTicket(pushQuery().query.get('usersig')!);
    expect(doc).toMatchObject({ 'TLS.ver': '2.0', 'TLS.identifier': streamId, 'TLS.sdkappid': settings.sdkAppId, 'TLS.expire': settings.pushTtlSeconds });
    expect(Math.abs((doc['TLS.time'] as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(doc['TLS.userbuf']).toBeUndefined();
    expect(doc['TLS.sig']).toBe(expectedSig(doc));
  });

  it('carries a PrivateMapKey admitting that user to that room only, with every seated privilege', () => {
    const doc = decodeTicket(pushQuery().query.get('privatemapkey')!);
    expect(doc).toMatchObject({ 'TLS.identifier': streamId, 'TLS.sdkappid': settings.sdkAppId, 'TLS.expire': settings.pushTtlSeconds });
    expect(doc['TLS.sig']).toBe(expectedSig(doc));
    const buf = readUserBuf(Buffer.from(doc['TLS.userbuf'] as string, 'base64'));
    expect(buf).toMatchObject({ version: 1, account: streamId, sdkAppId: settings.sdkAppId, numericRoom: 0, privileges: seatedPrivileges, accountType: 0, strRoomId: roomId });
    expect(Math.abs(buf.expire - (Date.now() / 1000 + settings.pushTtlSeconds))).toBeLessThan(60);
  });

  it('signs with the secret key: another key gives another HMAC', () => {
    const forged = createTrtcProvider(settings, tlsSigTickets(settings.sdkAppId, 'another-secret-key-0123456789-abc')).pushUrl(streamId, false, new Date(), [], { roomId });
    const other = decodeTicket(new URL(forged.url.replace(/^room:/, 'https:')).searchParams.get('usersig')!);
    expect(other['TLS.sig']).not.toBe(expectedSig(other));
  });

  it("enters an audio-only room in TRTC's pure audio mode, and only then", () => {
    const audioOnly = provider.pushUrl(streamId, false, new Date(), [], { roomId, audioOnly: true });
    expect(new URL(audioOnly.url.replace(/^room:/, 'https:')).searchParams.get('pureaudiomode')).toBe('1');
    expect(pushQuery().query.has('pureaudiomode')).toBe(false);
  });

  it('refuses a push URL without its room', () => {
    expect(() => provider.pushUrl(streamId, false, new Date())).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT' }));
  });
});

describe('TRTC in the live scene', () => {
  const live = createTrtcProvider({ ...settings, appScene: 'live' }, tlsSigTickets(settings.sdkAppId, settings.secretKey));

  it('enters a seat as an anchor; the video call scene has no roles', () => {
    const seat = new URL(live.pushUrl(streamId, false, new Date(), [], { roomId }).url.replace(/^room:/, 'https:')).searchParams;
    expect(seat.get('appscene')).toBe('live');
    expect(seat.get('role')).toBe('anchor');
    expect(pushQuery().query.has('role')).toBe(false);
  });
});

describe('TRTC audience entry URL', () => {
  const entryQuery = (p = provider) => {
    const now = new Date();
    const entry = p.audienceEntryUrl!(streamId, now, { roomId });
    expect(entry.url.startsWith('room://cloud.tencent.com/rtc?')).toBe(true);
    return { entry, now, query: new URL(entry.url.replace(/^room:/, 'https:')).searchParams };
  };

  it("enters the same room as the same user, in the live scene's audience role, whatever the deployment's scene", () => {
    const { entry, now, query } = entryQuery();
    expect(Object.fromEntries(query)).toMatchObject({ sdkappid: '1400123456', strroomid: roomId, userid: streamId, appscene: 'live', role: 'audience' });
    // Nothing a pusher would publish with: no CDN relay stream, no audio mode.
    expect(query.has('streamid')).toBe(false);
    expect(entry.expireTime.getTime()).toBe((Math.floor(now.getTime() / 1000) + settings.pushTtlSeconds) * 1000);
    const live = createTrtcProvider({ ...settings, appScene: 'live' }, tlsSigTickets(settings.sdkAppId, settings.secretKey));
    expect(entryQuery(live).query.get('role')).toBe('audience');
  });

  it('carries a UserSig for that user and a PrivateMapKey for that room that lets it enter and receive, never send', () => {
    const { query } = entryQuery();
    expect(decodeTicket(query.get('usersig')!)).toMatchObject({ 'TLS.identifier': streamId, 'TLS.sdkappid': settings.sdkAppId });
    const doc = decodeTicket(query.get('privatemapkey')!);
    expect(doc).toMatchObject({ 'TLS.identifier': streamId, 'TLS.sdkappid': settings.sdkAppId, 'TLS.expire': settings.pushTtlSeconds });
    expect(doc['TLS.sig']).toBe(expectedSig(doc));
    const buf = readUserBuf(Buffer.from(doc['TLS.userbuf'] as string, 'base64'));
    expect(buf).toMatchObject({ version: 1, account: streamId, sdkAppId: settings.sdkAppId, numericRoom: 0, privileges: audiencePrivileges, strRoomId: roomId });
    expect(Math.abs(buf.expire - (Date.now() / 1000 + settings.pushTtlSeconds))).toBeLessThan(60);
    // Bits as Tencent documents them: 2 enter, 8/32/128 receive audio, video, sub-stream; 1 create the room.
    expect(buf.privileges).toBe(0b1010_1011);
    for (const send of [privilege.sendAudio, privilege.sendVideo, privilege.sendSubStream]) expect(buf.privileges & send).toBe(0);
    for (const allowed of [privilege.enter, privilege.receiveAudio, privilege.receiveVideo]) expect(buf.privileges & allowed).toBe(allowed);
  });

  it('refuses an entry URL for a room TRTC cannot name', () => {
    expect(() => provider.audienceEntryUrl!(streamId, new Date(), { roomId: 'r'.repeat(65) })).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT' }));
  });
});

describe('TRTC play URL', () => {
  it('is the remote user in the room, whoever watches', () => {
    const play = provider.playUrl(streamId, 'viewer-1', new Date());
    expect(play).toMatchObject({ rtcUrl: `room://rtc.tencent.com?userid=${streamId}&streamtype=main`, rtmpUrl: '', flvUrl: '', hlsUrl: '' });
  });
});

describe('TRTC room ids', () => {
  it('are rtcroom room ids unchanged, both ways, up to TRTC limit of 64 bytes', () => {
    expect(trtcRoomId(roomId)).toBe(roomId);
    expect(roomIdOfTrtcRoom(roomId)).toBe(roomId);
    expect(trtcRoomId('r'.repeat(64))).toBe('r'.repeat(64));
    expect(() => trtcRoomId('r'.repeat(65))).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT' }));
    expect(() => trtcRoomId('')).toThrow(expect.objectContaining({ reason: 'INVALID_ARGUMENT' }));
    // A TRTC room rtcroom never made (its characters are not in rtcroom ids) maps to no room.
    expect(roomIdOfTrtcRoom('room 1')).toBeNull();
  });
});

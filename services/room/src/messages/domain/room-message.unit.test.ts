// The message rules without I/O: limits with their codes, who may send, who may read, the rate.
import { DomainError } from '@rtcroom/common/errors';
import { addressedTo, checkMessage, defaultMessageLimits, maySend } from './room-message';
import { SendRate } from './send-rate';

const reason = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (err) {
    return (err as DomainError).reason;
  }
};
const text = (t: string) => ({ kind: 'text' as const, text: t });
const limits = defaultMessageLimits;

describe('room message rules', () => {
  it('counts text in characters and payloads in bytes, and names the limit it refused on', () => {
    expect(reason(() => checkMessage(text('😀'.repeat(500)), [], '', limits))).toBe('ok');
    expect(reason(() => checkMessage(text('a'.repeat(501)), [], '', limits))).toBe('MESSAGE_TOO_LARGE');
    expect(reason(() => checkMessage(text(''), [], '', limits))).toBe('INVALID_ARGUMENT');
    expect(reason(() => checkMessage({ kind: 'custom', topic: 't', payload: new Uint8Array(4096) }, [], '', limits))).toBe('ok');
    expect(reason(() => checkMessage({ kind: 'custom', topic: 't', payload: new Uint8Array(4097) }, [], '', limits))).toBe('MESSAGE_TOO_LARGE');
    expect(reason(() => checkMessage({ kind: 'custom', topic: '', payload: new Uint8Array(1) }, [], '', limits))).toBe('INVALID_ARGUMENT');
    expect(reason(() => checkMessage(undefined, [], '', limits))).toBe('INVALID_ARGUMENT');
    expect(reason(() => checkMessage(text('hi'), [], 'x'.repeat(129), limits))).toBe('INVALID_ARGUMENT');
  });

  it('counts distinct recipients', () => {
    const many = Array.from({ length: 21 }, (_, i) => `u${i}`);
    expect(reason(() => checkMessage(text('hi'), many, '', limits))).toBe('TOO_MANY_RECIPIENTS');
    expect(checkMessage(text('hi'), ['a', 'a', 'b'], '', limits).recipients).toEqual(['a', 'b']);
  });

  it('room_message decides when the token says; absent, room_join does', () => {
    const room = { id: 'r_1', name: 'lobby' };
    expect(maySend({ roomJoin: true }, room)).toBe(true);
    expect(maySend({ roomJoin: true, roomMessage: false }, room)).toBe(false);
    expect(maySend({ roomMessage: true }, room)).toBe(true);
    expect(maySend({}, room)).toBe(false);
    expect(maySend({ roomJoin: true, room: 'other' }, room)).toBe(false);
  });

  it('a message is read by the whole room, or by its recipients and its sender', () => {
    expect(addressedTo({ recipients: [], senderIdentity: 'a' }, 'z')).toBe(true);
    expect(addressedTo({ recipients: ['b'], senderIdentity: 'a' }, 'b')).toBe(true);
    expect(addressedTo({ recipients: ['b'], senderIdentity: 'a' }, 'a')).toBe(true);
    expect(addressedTo({ recipients: ['b'], senderIdentity: 'a' }, 'c')).toBe(false);
  });

  it('a token bucket per sender and room: a burst, then the rate, refunds given back', () => {
    let now = 0;
    const rate = new SendRate(2, 3, () => now);
    for (let i = 0; i < 3; i++) rate.take('r', 'a');
    expect(reason(() => rate.take('r', 'a'))).toBe('RATE_LIMITED');
    expect(reason(() => rate.take('r', 'b'))).toBe('ok');
    expect(reason(() => rate.take('r2', 'a'))).toBe('ok');
    now = 500; // one token back at 2 a second
    expect(reason(() => rate.take('r', 'a'))).toBe('ok');
    expect(reason(() => rate.take('r', 'a'))).toBe('RATE_LIMITED');
    rate.refund('r', 'a');
    expect(reason(() => rate.take('r', 'a'))).toBe('ok');
  });
});

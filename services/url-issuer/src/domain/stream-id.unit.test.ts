import { deriveStreamId, isDerivedStreamId } from './stream-id';

const key = 'stream-id-key-0123456789';

describe('deriveStreamId', () => {
  it('gives the same id for the same membership, so a push URL can be re-issued', () => {
    expect(deriveStreamId(key, 's', 'room_1', 'mem_1')).toBe(deriveStreamId(key, 's', 'room_1', 'mem_1'));
  });

  it('gives each member, room and key its own id', () => {
    const ids = new Set([
      deriveStreamId(key, 's', 'room_1', 'mem_1'),
      deriveStreamId(key, 's', 'room_1', 'mem_2'),
      deriveStreamId(key, 's', 'room_2', 'mem_1'),
      deriveStreamId('other-key-0123456789', 's', 'room_1', 'mem_1'),
    ]);
    expect(ids.size).toBe(4);
  });

  it('does not let the room/member boundary shift into the same input', () => {
    expect(deriveStreamId(key, 's', 'ab', 'c')).not.toBe(deriveStreamId(key, 's', 'a', 'bc'));
  });

  it('is the prefix, an underscore and 24 lower-case base32 characters', () => {
    for (let i = 0; i < 200; i++) {
      const id = deriveStreamId(key, '8888', `room_${i}`, `mem_${i}`);
      expect(id).toMatch(/^8888_[a-z2-7]{24}$/);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('is RFC 4648 base32 of the HMAC, so another implementation derives the same id', () => {
    // Python: base64.b32encode(hmac.new(key, b'room_1/mem_1', 'sha256').digest()[:15]).lower()
    expect(deriveStreamId(key, 's', 'room_1', 'mem_1')).toBe('s_mmhfarmh7roa5lfpdalld4mh');
  });
});

describe('isDerivedStreamId', () => {
  it('accepts derived ids of its own prefix only', () => {
    const id = deriveStreamId(key, '8888', 'room_1', 'mem_1');
    expect(isDerivedStreamId('8888', id)).toBe(true);
    expect(isDerivedStreamId('s', id)).toBe(false);
    expect(isDerivedStreamId('888', id)).toBe(false);
    expect(isDerivedStreamId('8888', `${id}x`)).toBe(false);
    expect(isDerivedStreamId('8888', '8888_test001')).toBe(false);
    expect(isDerivedStreamId('8888', '')).toBe(false);
  });
});

import { encodeMessage, pooledDefinition } from './encoding';
import * as generated from './namespaces';
import { muxv1, roomEventv1, roomServicev1, roomv1 } from './namespaces';

const joinAnswer = roomServicev1.JoinRoomResponse.fromPartial({
  room: { id: 'r_0123456789', name: 'claims-7', displayName: '理赔 7', createTime: new Date(1_700_000_000_000), ownerIdentity: 'agent-1', maxMembers: 6 },
  member: { memberId: 'm_1', identity: 'customer-1', displayName: '客户', joinTime: new Date(1_700_000_000_123) },
  members: Array.from({ length: 6 }, (_, i) => ({ memberId: `m_${i}`, identity: `user-${i}`, displayName: `User ${i}`.repeat(i + 1) })),
  pushUrl: { streamId: 's_1', url: `rtmp://127.0.0.1/live/s_1?txSecret=${'a'.repeat(32)}&txTime=6789ABCD`, expireTime: new Date(1_700_000_600_000) },
  seq: 12,
});

const bytesOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

describe('encodeMessage', () => {
  it('gives the bytes ts-proto gives, message after message, small and large', () => {
    const big = roomv1.Room.fromPartial({ id: 'r_big', metadata: 'x'.repeat(600_000) });
    for (let i = 0; i < 3; i++) {
      expect(encodeMessage(roomServicev1.JoinRoomResponse, joinAnswer)).toEqual(bytesOf(roomServicev1.JoinRoomResponse.encode(joinAnswer).finish()));
      expect(encodeMessage(roomv1.Room, big)).toEqual(bytesOf(roomv1.Room.encode(big).finish()));
      expect(encodeMessage(roomServicev1.LeaveRoomRequest, { roomId: 'r_1', identity: 'u', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT } as never)).toEqual(
        bytesOf(roomServicev1.LeaveRoomRequest.encode({ roomId: 'r_1', identity: 'u', reason: roomv1.LeaveReason.LEAVE_REASON_LEFT } as never).finish()),
      );
      expect(encodeMessage(roomv1.Room, roomv1.Room.fromPartial({}))).toHaveLength(0);
    }
  });

  it('returns bytes of its own: the next message does not overwrite them', () => {
    const first = encodeMessage(roomServicev1.JoinRoomResponse, joinAnswer);
    const copy = Buffer.from(first);
    encodeMessage(roomv1.Room, roomv1.Room.fromPartial({ id: 'r_other', name: 'y'.repeat(2000) }));
    expect(first).toEqual(copy);
    expect(roomServicev1.JoinRoomResponse.decode(first)).toEqual(joinAnswer);
  });

  it('leaves nothing behind when a message does not encode', () => {
    const bad = { id: 'e_1', roomId: 'r_1', seq: 1, time: 'not a date' } as never;
    expect(() => encodeMessage(roomEventv1.RoomEvent, bad)).toThrow();
    expect(encodeMessage(roomServicev1.JoinRoomResponse, joinAnswer)).toEqual(bytesOf(roomServicev1.JoinRoomResponse.encode(joinAnswer).finish()));
  });
});

describe('pooledDefinition', () => {
  const services = Object.entries(generated).flatMap(([ns, exports]) =>
    Object.entries(exports as Record<string, unknown>)
      .filter(([name, v]) => name.endsWith('Service') && typeof v === 'object' && v !== null && Object.values(v).some((m) => (m as { path?: unknown })?.path))
      .map(([name, v]) => [`${ns}.${name}`, v as Record<string, { path: string; requestSerialize: (v: unknown) => Buffer; responseSerialize: (v: unknown) => Buffer }>] as const),
  );

  it('finds both messages of every method of every service, the ones its own serializers encode', () => {
    expect(services.map(([name]) => name)).toEqual(expect.arrayContaining(['roomServicev1.RoomServiceService', 'muxv1.MuxServiceService', 'presencev1.PresenceServiceService']));
    for (const [, definition] of services) {
      const pooled = pooledDefinition(definition);
      for (const [method, def] of Object.entries(definition)) {
        const base = method.charAt(0).toUpperCase() + method.slice(1);
        // What ts-proto's serializer encodes, read from its source: the pooled one must encode the same.
        expect(def.requestSerialize.toString()).toContain(`${base}Request.encode(`);
        expect(def.responseSerialize.toString()).toContain(`${base}Response.encode(`);
        expect(pooled[method]!.requestSerialize).not.toBe(def.requestSerialize);
        expect(pooled[method]!.responseSerialize).not.toBe(def.responseSerialize);
        expect(pooled[method]!.path).toBe(def.path);
      }
    }
  });

  it('encodes what the generated serializers encode, and is made once per definition', () => {
    const def = roomServicev1.RoomServiceService;
    const pooled = pooledDefinition(def);
    expect(pooledDefinition(def)).toBe(pooled);
    expect(pooled.joinRoom.responseSerialize(joinAnswer)).toEqual(def.joinRoom.responseSerialize(joinAnswer));
    const envelope = { callId: 7, result: { $case: 'body' as const, value: def.joinRoom.responseSerialize(joinAnswer) } };
    expect(pooledDefinition(muxv1.MuxServiceService).exchange.responseSerialize(envelope)).toEqual(muxv1.MuxServiceService.exchange.responseSerialize(envelope));
  });

  it('keeps the serializers of a definition it does not know', () => {
    const own = { ping: { path: '/x.Y/Ping', requestSerialize: () => Buffer.from('a'), responseSerialize: () => Buffer.from('b') } };
    expect(pooledDefinition(own).ping.requestSerialize()).toEqual(Buffer.from('a'));
  });
});

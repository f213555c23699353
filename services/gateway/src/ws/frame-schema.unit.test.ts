import { FrameSchema } from './frame-schema';

const schema = FrameSchema.load();
const problem = (frame: object) => {
  try {
    schema.check(frame);
    return 'ok';
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
};

describe('FrameSchema', () => {
  it('takes what the JSON mapping allows: numbers as strings, proto names, enum numbers, nulls, unknown fields', () => {
    expect(problem({ requestId: '1', createRoom: { room: { name: 'a', max_members: '6', kind: 2, displayName: null, futureField: { x: 1 } } } })).toBe('ok');
    expect(problem({ requestId: '1', syncRoom: { roomId: 'r_x', afterSeq: 9007199254740991 } })).toBe('ok');
    expect(problem({ requestId: '1', listRooms: { pageSize: 1e2 } })).toBe('ok');
    expect(problem({ requestId: '1', createRoom: { room: { createTime: '2026-01-01T08:00:00+08:00' } } })).toBe('ok');
  });

  it('names the field, as the client wrote it, and what it must be', () => {
    expect(problem({ listRooms: { pageSize: -1 } })).toBe('INVALID_ARGUMENT: listRooms.pageSize must be an integer from 0 to 4294967295');
    expect(problem({ createRoom: { room: { max_members: 1.5 } } })).toBe('INVALID_ARGUMENT: createRoom.room.max_members must be an integer from 0 to 4294967295');
    expect(problem({ createRoom: { room: { maxMembers: 1, max_members: 2 } } })).toMatch(/createRoom.room.max_members is given twice/);
    expect(problem({ setAgentState: { state: 'AGENT_STATE_ASLEEP' } })).toMatch(/^INVALID_ARGUMENT: setAgentState.state must be one of AGENT_STATE_UNSPECIFIED/);
    expect(problem({ ping: {}, leaveRoom: {} })).toMatch(/^INVALID_ARGUMENT: leaveRoom cannot come with ping/);
    expect(problem({ requestId: 7 })).toBe('INVALID_ARGUMENT: requestId must be a string');
  });
});

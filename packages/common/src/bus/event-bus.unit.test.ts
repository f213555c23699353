import { subjectMatches } from './event-bus';
import { InMemoryEventBus } from './in-memory-event-bus';

describe('subjectMatches', () => {
  it.each([
    ['rtcroom.room.*.member.joined', 'rtcroom.room.r1.member.joined', true],
    ['rtcroom.room.r1.>', 'rtcroom.room.r1.member.left', true],
    ['rtcroom.room.r1.>', 'rtcroom.room.r1', false],
    ['rtcroom.room.r1.>', 'rtcroom.room.r2.member.left', false],
    ['a.*', 'a.b.c', false],
  ])('%s vs %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('InMemoryEventBus', () => {
  it('delivers in order and drops duplicate message ids', async () => {
    const bus = new InMemoryEventBus();
    const got: string[] = [];
    bus.subscribe('x.>', (m) => got.push(Buffer.from(m.data).toString()));
    await bus.publish('x.a', Buffer.from('1'), { msgId: 'one' });
    await bus.publish('x.b', Buffer.from('2'), { msgId: 'two' });
    await bus.publish('x.a', Buffer.from('1 again'), { msgId: 'one' });
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['1', '2']);
  });
});

import { roomEventv1 } from '@rtcroom/proto';
import { RecentEvents } from './recent-events';

const event = (roomId: string, seq: number) => roomEventv1.RoomEvent.fromPartial({ id: `e_${roomId}_${seq}`, roomId, seq });

describe('RecentEvents', () => {
  let clock: number;
  let recent: RecentEvents;
  beforeEach(() => {
    clock = 10_000;
    recent = new RecentEvents(1000, () => clock);
  });

  it('keeps nothing while no join is in flight', () => {
    recent.add(event('r1', 1));
    expect(recent.size).toBe(0);
  });

  it("gives a join its room's kept events in seq order, one after another", () => {
    const ticket = recent.begin();
    for (const e of [event('r1', 4), event('r2', 9), event('r1', 3), event('r1', 5)]) recent.add(e);
    const seqs: number[] = [];
    for (let e = recent.next('r1', 2); e; e = recent.next('r1', e.seq)) seqs.push(e.seq);
    expect(seqs).toEqual([3, 4, 5]);
    expect(recent.next('r1', 5)).toBeUndefined();
    recent.end(ticket);
    expect(recent.size).toBe(0);
  });

  it('drops a generation once no join that began before its end is in flight', () => {
    const early = recent.begin();
    recent.add(event('r1', 1));
    clock += 1000;
    const late = recent.begin();
    recent.add(event('r1', 2));
    clock += 1000;
    recent.add(event('r1', 3));
    expect(recent.size).toBe(3);
    recent.end(early);
    // The late join began in the second generation: the first is no use to anyone.
    expect(recent.size).toBe(2);
    expect(recent.next('r1', 0)?.seq).toBe(2);
    recent.end(late);
    expect(recent.size).toBe(0);
  });

  it('counts joins that began in the same generation one by one', () => {
    const a = recent.begin();
    const b = recent.begin();
    recent.add(event('r1', 1));
    recent.end(a);
    expect(recent.size).toBe(1);
    recent.end(b);
    expect(recent.size).toBe(0);
  });
});

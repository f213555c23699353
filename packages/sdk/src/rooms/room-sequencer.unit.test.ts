import type { Member, Room, RoomNotice } from '../protocol';
import { RoomSequencer } from './room-sequencer';

const n = (seq: number): RoomNotice => ({ roomId: 'r_1', seq, time: undefined, memberUpdated: { member: { memberId: `m_${seq}` } as Member } });
const seqs = (list: RoomNotice[]) => list.map((x) => x.seq);
const room = { id: 'r_1' } as Room;

describe('RoomSequencer', () => {
  it('hands on notices that follow one another at once', () => {
    const s = new RoomSequencer('r_1', 4);
    expect(seqs(s.receive(n(5)).deliver)).toEqual([5]);
    expect(seqs(s.receive(n(6)).deliver)).toEqual([6]);
    expect(s.lastSeq).toBe(6);
  });

  it('drops duplicates and anything at or before the seat\'s seq', () => {
    const s = new RoomSequencer('r_1', 4);
    expect(s.receive(n(3)).deliver).toEqual([]);
    expect(s.receive(n(4)).deliver).toEqual([]);
    expect(seqs(s.receive(n(5)).deliver)).toEqual([5]);
    expect(s.receive(n(5))).toEqual({ deliver: [] });
  });

  it('keeps a notice that jumps ahead, asks once for a sync from the last one handed on, and merges the answer in order', () => {
    const s = new RoomSequencer('r_1', 4);
    const gap = s.receive(n(7));
    expect(gap).toEqual({ deliver: [], syncFrom: 4 });
    // Later notices while the sync is in flight are kept, without a second sync.
    expect(s.receive(n(8))).toEqual({ deliver: [] });
    expect(s.syncInFlight).toBe(true);
    const step = s.applySync({ room, members: [], notices: [n(5), n(6), n(7)], snapshot: false, seq: 7 });
    expect(seqs(step.deliver)).toEqual([5, 6, 7, 8]);
    expect(step.syncFrom).toBeUndefined();
    expect(s.lastSeq).toBe(8);
  });

  it('a notice that arrives late, after a gap was filled by a sync, is not handed on twice', () => {
    const s = new RoomSequencer('r_1', 1);
    s.receive(n(3));
    s.applySync({ room, members: [], notices: [n(2), n(3)], snapshot: false, seq: 3 });
    expect(s.receive(n(2)).deliver).toEqual([]);
    expect(s.receive(n(3)).deliver).toEqual([]);
    expect(seqs(s.receive(n(4)).deliver)).toEqual([4]);
  });

  it('a sync answer skipping a seq (an event clients are not told about) does not stall delivery', () => {
    const s = new RoomSequencer('r_1', 1);
    s.receive(n(5));
    const step = s.applySync({ room, members: [], notices: [n(2), n(4)], snapshot: false, seq: 4 });
    expect(seqs(step.deliver)).toEqual([2, 4, 5]);
    expect(step.syncFrom).toBeUndefined();
  });

  it('a snapshot replaces the members and only notices after its seq follow', () => {
    const s = new RoomSequencer('r_1', 2);
    s.receive(n(600));
    s.receive(n(601));
    s.receive(n(603));
    const members = [{ memberId: 'm_a' } as Member];
    const step = s.applySync({ room, members, notices: [], snapshot: true, seq: 601 });
    expect(step.snapshot).toEqual({ room, members, seq: 601, playUrls: [] });
    // 600 and 601 are in the snapshot; 603 still waits for 602: another sync.
    expect(step.deliver).toEqual([]);
    expect(step.syncFrom).toBe(601);
    expect(seqs(s.receive(n(602)).deliver)).toEqual([602, 603]);
  });

  it('a failed sync is asked for again with the next notice', () => {
    const s = new RoomSequencer('r_1', 1);
    expect(s.receive(n(3)).syncFrom).toBe(1);
    s.syncFailed();
    expect(s.syncInFlight).toBe(false);
    expect(s.receive(n(4)).syncFrom).toBe(1);
  });

  it('after a resume a sync is asked for whatever was seen, and only one at a time', () => {
    const s = new RoomSequencer('r_1', 9);
    expect(s.beginSync()).toBe(9);
    expect(s.beginSync()).toBeUndefined();
    const step = s.applySync({ room, members: [], notices: [n(10), n(11)], snapshot: false, seq: 11 });
    expect(seqs(step.deliver)).toEqual([10, 11]);
  });

  it('a re-join whose seat is ahead syncs the notices between; one that is not changes nothing', () => {
    const s = new RoomSequencer('r_1', 5);
    expect(s.rejoined(5)).toEqual({ deliver: [] });
    expect(s.rejoined(7)).toEqual({ deliver: [], syncFrom: 5 });
  });

  it('delivers a long shuffled run with duplicates exactly once, in order', () => {
    const s = new RoomSequencer('r_1', 0);
    const arrivals = [3, 1, 2, 2, 5, 4, 1, 6, 9, 7, 8, 8, 10];
    const out: number[] = [];
    for (const seq of arrivals) {
      const step = s.receive(n(seq));
      out.push(...seqs(step.deliver));
      // A sync that brings nothing new (the gap fills by itself) changes nothing.
      if (step.syncFrom !== undefined) out.push(...seqs(s.applySync({ room, members: [], notices: [], snapshot: false, seq: step.syncFrom }).deliver));
    }
    expect(out).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

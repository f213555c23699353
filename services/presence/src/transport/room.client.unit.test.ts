import { DomainError } from '@rtcroom/common';
import { Coalesced } from './room.client';

describe('Coalesced (resumes marked back together)', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('sends a lone one at once; those that come while a call is in flight go together in the next', async () => {
    const calls: string[][] = [];
    const inFlight: Array<() => void> = [];
    const batched = new Coalesced<string>(
      async (batch) => {
        calls.push(batch.map((b) => b.sessionId));
        await new Promise<void>((r) => inFlight.push(r));
        return batch.map((b) => `seats of ${b.sessionId}`);
      },
      async () => 'single',
    );
    const first = batched.add('s1');
    await tick();
    expect(calls).toEqual([['s1']]);
    const rest = ['s2', 's3', 's4'].map((id) => batched.add(id));
    await tick();
    expect(calls).toEqual([['s1']]); // they wait for the call in flight
    inFlight.shift()!();
    await expect(first).resolves.toBe('seats of s1');
    await tick();
    expect(calls).toEqual([['s1'], ['s2', 's3', 's4']]);
    inFlight.shift()!();
    await expect(Promise.all(rest)).resolves.toEqual(['seats of s2', 'seats of s3', 'seats of s4']);
  });

  it('a failed call fails the resumes it carried, not the next ones', async () => {
    let fail = true;
    const batched = new Coalesced<string>(
      async (batch) => {
        if (fail) throw new DomainError('UNAVAILABLE', 'room service away');
        return batch.map((b) => b.sessionId);
      },
      async () => 'single',
    );
    await expect(batched.add('s1')).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    fail = false;
    await expect(batched.add('s2')).resolves.toBe('s2');
  });

  it('a room service without the batch call (UNIMPLEMENTED) is called once per session, from then on too', async () => {
    let batchCalls = 0;
    const singles: string[] = [];
    const batched = new Coalesced<string>(
      async () => {
        batchCalls++;
        throw new DomainError('INTERNAL', 'unknown method /rtcroom.room.v1.RoomService/SetSessionsConnection');
      },
      async (id) => {
        singles.push(id);
        return `single ${id}`;
      },
    );
    await expect(Promise.all([batched.add('s1'), batched.add('s2')])).resolves.toEqual(['single s1', 'single s2']);
    await expect(batched.add('s3')).resolves.toBe('single s3');
    expect(batchCalls).toBe(1);
    expect(singles).toEqual(['s1', 's2', 's3']);
  });
});

import { HandOff } from './hand-off';

describe('HandOff', () => {
  it('ends the hold once every session is taken over; each wait says it was', async () => {
    const handOff = new HandOff(60_000);
    const a = handOff.wait('s-a');
    const b = handOff.wait('s-b');
    expect(handOff.sessionIds).toEqual(['s-a', 's-b']);
    handOff.takenOver(['s-a', 's-unknown']);
    expect(handOff.sessionIds).toEqual(['s-b']);
    handOff.takenOver(['s-b']);
    await expect(Promise.all([a, b])).resolves.toEqual([true, true]);
  });

  it('ends it when the hold is over: a session not taken over is still this gateway\'s', async () => {
    const handOff = new HandOff(20);
    const a = handOff.wait('s-a');
    const b = handOff.wait('s-b');
    handOff.takenOver(['s-b']);
    await expect(Promise.all([a, b])).resolves.toEqual([false, true]);
  });

  it('lasts again from each session taken over, up to three holds in all', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const handOff = new HandOff(1000);
      let over = false;
      const a = handOff.wait('s-a').then((taken) => ((over = true), taken));
      void handOff.wait('s-b');
      await jest.advanceTimersByTimeAsync(900);
      handOff.takenOver(['s-b']); // progress: another 1,000 ms from here
      await jest.advanceTimersByTimeAsync(900);
      expect(over).toBe(false);
      handOff.takenOver(['s-unknown']); // no progress: no more time
      await jest.advanceTimersByTimeAsync(200);
      expect(over).toBe(true);
      await expect(a).resolves.toBe(false);

      const capped = new HandOff(1000);
      let cappedOver = false;
      void capped.wait('s-c').then(() => (cappedOver = true));
      for (let i = 0; i < 5; i++) {
        void capped.wait(`s-${i}`);
        await jest.advanceTimersByTimeAsync(700);
        capped.takenOver([`s-${i}`]);
      }
      // 3,500 ms of progress every 700 ms: the hold stopped at 3,000.
      expect(cappedOver).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ends it at once when no other gateway could take a session over', async () => {
    const handOff = new HandOff(60_000);
    const a = handOff.wait('s-a');
    handOff.end();
    await expect(a).resolves.toBe(false);
  });

  it('holds nothing when nothing is handed off', async () => {
    const handOff = new HandOff(60_000);
    handOff.takenOver([]);
    await expect(handOff.wait('late')).resolves.toBe(false);
  });
});

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

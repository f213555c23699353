// Closes presence did not take are told again, later each time, until one goes; not for a session
// held here again, and not after stop.
import { createLogger } from '@rtcroom/common';
import { CloseRetries } from './close-retries';

const logger = createLogger({}, 'silent');

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('tells a close again, doubling the wait up to the most, until it goes', async () => {
  const tries: number[] = [];
  let failures = 6;
  const retries = new CloseRetries(
    async () => {
      tries.push(Date.now());
      if (failures-- > 0) throw new Error('presence away');
    },
    () => false,
    logger,
    100,
    1000,
  );
  const start = Date.now();
  retries.add('s1', false, false);
  await jest.advanceTimersByTimeAsync(10_000);
  expect(tries.map((t) => t - start)).toEqual([100, 300, 700, 1500, 2500, 3500, 4500]);
  expect(retries.size).toBe(0);
});

it('leaves be a session held here again, and tries nothing after stop', async () => {
  const closed: string[] = [];
  const held = new Set(['back']);
  const retries = new CloseRetries(async (id) => void closed.push(id), (id) => held.has(id), logger, 100);
  retries.add('back', true, false);
  retries.add('gone', true, false);
  retries.add('late', true, false);
  await jest.advanceTimersByTimeAsync(150);
  expect(closed.sort()).toEqual(['gone', 'late']);
  retries.add('after', true, false);
  retries.stop();
  retries.add('after stop', true, false);
  await jest.advanceTimersByTimeAsync(1000);
  expect(closed.sort()).toEqual(['gone', 'late']);
  expect(retries.size).toBe(0);
});

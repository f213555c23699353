// The bench's command line (node:util parseArgs): the forms README and bench/README show still mean
// what they meant, and a bad one is a UsageError naming the problem.
import { UsageError } from '@rtcroom/common';
import { parseBenchArgs, type BenchSettings } from './options';

const settings = (...argv: string[]) => parseBenchArgs(argv) as BenchSettings;

it('reads the documented forms', () => {
  expect(settings()).toMatchObject({ mode: 'quick', targets: ['floor', 'rtcroom'], churn: { rate: 500 } });
  expect(settings('--full')).toMatchObject({ mode: 'full', idle: { connections: 20_000 } });
  expect(settings('--floor-only').targets).toEqual(['floor']);
  expect(settings('--target', 'system', '--scenarios', 'churn', '--rate', '250')).toMatchObject({
    targets: ['rtcroom'],
    scenarios: ['churn'],
    churn: { rate: 250 },
  });
  expect(settings('--full', '--target', 'system', '--scenarios', 'churn', '--rate=100')).toMatchObject({ mode: 'full', churn: { rate: 100 } });
  expect(settings('--idle', '500', '--clients', '3', '--nats', 'nats://127.0.0.1:4223', '--pg', 'postgres://x@127.0.0.1/y')).toMatchObject({
    idle: { connections: 500 },
    clientProcesses: 3,
    natsUrl: 'nats://127.0.0.1:4223',
    pgAdminUrl: 'postgres://x@127.0.0.1/y',
  });
  expect(settings().lifecycle).toBe('full');
  expect(settings('--lifecycle', 'join-leave', '--rate', '200')).toMatchObject({ lifecycle: 'join-leave', churn: { rate: 200 } });
  expect(parseBenchArgs(['--help'])).toBe('help');
});

it.each([
  [['--fast'], "Unknown option '--fast'"],
  [['--rate'], "Option '--rate <value>' argument missing"],
  [['churn'], "Unexpected argument 'churn'"],
  [['--rate', 'lots'], '--rate must be a positive whole number, got lots'],
  [['--target', 'moon'], '--target must be floor, system or both, got moon'],
  [['--scenarios', 'churn,nap'], 'unknown scenario nap'],
  [['--lifecycle', 'push'], '--lifecycle must be full or join-leave, got push'],
])('refuses %j: %s', (argv, problem) => {
  expect(() => parseBenchArgs(argv)).toThrow(UsageError);
  expect(() => parseBenchArgs(argv)).toThrow(problem);
});

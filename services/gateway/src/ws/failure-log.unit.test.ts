import { createLogger } from '@rtcroom/common';
import { FailureLog } from './failure-log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({ service: 'gateway' }, 'debug', (line) => lines.push(JSON.parse(line))) };
}

describe('FailureLog', () => {
  it("logs a client's mistakes at info without a stack, a few lines per window, and counts the rest", () => {
    let now = 0;
    const { lines, logger } = capture();
    const log = new FailureLog(logger, 3, 10_000, () => now);
    for (let i = 0; i < 1000; i++) log.note('INVALID_ARGUMENT', 'listRooms.pageSize must be an integer', new Error('x'), { sessionId: 's' });
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.level === 'info' && !JSON.stringify(l).includes('stack'))).toBe(true);
    now = 10_000;
    log.note('MALFORMED_FRAME', 'a frame must be one JSON object', undefined, { sessionId: 's' });
    expect(lines[3]).toMatchObject({ code: 'MALFORMED_FRAME', suppressed: 997 });
  });

  it('logs a server fault at error with its stack, and the protocol working not at all', () => {
    const { lines, logger } = capture();
    const log = new FailureLog(logger);
    log.note('ROOM_FULL', 'room r_x has all 6 seats taken', undefined, {});
    log.note('INTERNAL', 'internal error', new Error('boom'), { request: 'joinRoom' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', request: 'joinRoom', err: { message: 'boom' } });
    expect(JSON.stringify(lines[0])).toContain('stack');
  });
});

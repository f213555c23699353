import { AsyncLocalStorage } from 'node:async_hooks';
import { Context, context, ContextManager, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { envLogLevel } from './config';
import { createLogger, Logger } from './logger';

function capture(level: 'debug' | 'info' = 'debug'): { lines: Record<string, any>[]; raw: string[]; logger: Logger } {
  const lines: Record<string, any>[] = [];
  const raw: string[] = [];
  const logger = createLogger({ service: 'test' }, level, (line) => {
    raw.push(line);
    lines.push(JSON.parse(line));
  });
  return { lines, raw, logger };
}

describe('logger', () => {
  test('writes one JSON line with time, level, service and message', () => {
    const { lines, logger } = capture('info');
    logger.debug('not at info');
    logger.info('hello', { n: 1 });
    expect(lines).toEqual([expect.objectContaining({ level: 'info', service: 'test', msg: 'hello', n: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })]);
  });

  test('LOG_LEVEL is one of the levels: a typo stops the start naming the variable', () => {
    expect(envLogLevel({})).toBe('info');
    expect(envLogLevel({ LOG_LEVEL: 'warn' })).toBe('warn');
    expect(() => envLogLevel({ LOG_LEVEL: 'wran' })).toThrow(expect.objectContaining({ variable: 'LOG_LEVEL', message: expect.stringMatching(/LOG_LEVEL must be one of debug, info, warn, error, silent, got "wran"/) }));
  });

  test('tokens, signatures, secrets, passwords and authorization headers are redacted wherever they are', () => {
    const { raw, lines, logger } = capture();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    logger.info(`connect ws://gw/v1/ws?access_token=${jwt}`, {
      accessToken: jwt,
      config: { accessTokenSecret: 'super-secret-value-1', tokenExpiryNoticeMs: 60000, database: 'postgres://rtc:hunter2-pw@db:5432/rtc' },
      req: { headers: { authorization: 'Bearer abc.def.ghi', Cookie: 'sid=42', host: 'gw' } },
      pushUrl: 'rtmp://push.example.com/live/s1?bizid=8888&txSecret=589dd9ebd1de7beb37d7f0c5c90dd66d&txTime=5C2A3CFF',
      playUrls: ['https://cdn.example.com/live/s1.flv?sign=deadbeefcafe&t=1', 'http://x/y?auth_key=1-0-0-abcdef'],
      nested: [{ deeper: { password: 'p4ss', signature: 'a1b2c3' } }],
      err: Object.assign(new Error(`refused: Bearer ${jwt}`), { code: 'X' }),
    });
    const line = raw[0]!;
    for (const secret of [jwt, 'super-secret-value-1', 'hunter2-pw', 'abc.def.ghi', 'sid=42', '589dd9ebd1de7beb37d7f0c5c90dd66d', 'deadbeefcafe', 'abcdef', 'p4ss', 'a1b2c3']) {
      expect(line).not.toContain(secret);
    }
    const [entry] = lines;
    expect(entry!.pushUrl).toBe('rtmp://push.example.com/live/s1?bizid=8888&txSecret=[Redacted]&txTime=5C2A3CFF');
    expect(entry!.config.tokenExpiryNoticeMs).toBe(60000); // numbers under secret-like names are no secret
    expect(entry!.config.database).toBe('postgres://rtc:[Redacted]@db:5432/rtc');
    expect(entry!.req.headers.host).toBe('gw');
    expect(entry!.err).toEqual(expect.objectContaining({ name: 'Error', code: 'X', message: 'refused: Bearer [Redacted]', stack: expect.any(String) }));
    expect(entry!.msg).toBe('connect ws://gw/v1/ws?access_token=[Redacted]');
  });

  test('child bindings are redacted too', () => {
    const { lines, logger } = capture();
    logger.child({ token: 'child-secret-token', sessionId: 's1' }).warn('w');
    expect(lines[0]).toEqual(expect.objectContaining({ token: '[Redacted]', sessionId: 's1', level: 'warn' }));
  });

  test('a circular object is logged, not thrown', () => {
    const { lines, logger } = capture();
    const room: Record<string, unknown> = { id: 'r1', shared: { n: 1 } };
    room.self = room;
    room.members = [{ room }, room.shared, room.shared];
    const err = new Error('outer', { cause: new Error('inner') });
    (err as any).again = err;
    expect(() => logger.error('cycle', { room, err })).not.toThrow();
    expect(lines[0]!.room).toEqual({ id: 'r1', shared: { n: 1 }, self: '[Circular]', members: [{ room: '[Circular]' }, { n: 1 }, { n: 1 }] });
    expect(lines[0]!.err).toEqual(expect.objectContaining({ message: 'outer', again: '[Circular]', cause: expect.objectContaining({ message: 'inner' }) }));
  });

  test('a child names its request on every line, made once and only when a line is written', () => {
    const { lines, logger } = capture('info');
    const connection = logger.child({ connectionId: 'c1' });
    const request = connection.child({ requestId: 'q7' });
    request.info('before');
    request.child({ part: 'x' }).warn('after', { n: 1 });
    logger.info('outside');
    const quiet = logger.child({ requestId: 'q8', token: 'abc' });
    quiet.debug('below the level'); // info: nothing made, nothing written
    quiet.info('with a secret field');
    expect(lines.map((l) => [l.msg, l.connectionId, l.requestId, l.part])).toEqual([
      ['before', 'c1', 'q7', undefined],
      ['after', 'c1', 'q7', 'x'],
      ['outside', undefined, undefined, undefined],
      ['with a secret field', undefined, 'q8', undefined],
    ]);
    expect(lines[3]!.token).toBe('[Redacted]');
    expect(lines.filter((l) => l.requestId === 'q7')).toHaveLength(2);
  });

  test('trace ids come from the active span; without one (no SDK) the fields are absent', () => {
    const { lines, logger } = capture();
    logger.info('no span');
    // What an SDK brings (the tracing setup registers the real one): a context manager.
    const store = new AsyncLocalStorage<Context>();
    const manager: ContextManager = {
      active: () => store.getStore() ?? ROOT_CONTEXT,
      with: (ctx, fn, thisArg, ...args) => store.run(ctx, () => fn.call(thisArg, ...args)),
      bind: (_ctx, target) => target,
      enable: () => manager,
      disable: () => manager,
    };
    context.setGlobalContextManager(manager);
    try {
      const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
      context.with(trace.setSpan(ROOT_CONTEXT, span), () => logger.info('in span'));
    } finally {
      context.disable();
    }
    expect(lines[0]).not.toHaveProperty('traceId');
    expect(lines[1]).toEqual(expect.objectContaining({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }));
  });
});

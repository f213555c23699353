// The NATS bus against the real server: durable publishes still land and de-duplicate without nats.js
// making an error for each (jetstream-publisher.ts), requests still time out with a useful error, and
// loading the bus leaves nats.js as it is.
import { ErrorCode, NatsError } from 'nats';
import { testNatsUrl } from '../testing';
import { createLogger } from '../logger';
import { NatsEventBus } from './nats-event-bus';

const logger = createLogger({}, 'silent');
const stream = { name: `BUS_TEST_${process.pid}`, subjects: [`bustest${process.pid}.>`], maxAgeSeconds: 300 };

describe('NatsEventBus', () => {
  let bus: NatsEventBus;
  beforeAll(async () => {
    bus = await NatsEventBus.connect(testNatsUrl, 'bus-test', [stream], logger);
  });
  afterAll(async () => {
    const jsm = await bus.connection.jetstreamManager();
    await jsm.streams.delete(stream.name).catch(() => undefined);
    await bus.close();
  });

  it('publishes durably, in order, dropping a repeated message id', async () => {
    const got: string[] = [];
    const sub = bus.subscribe(`bustest${process.pid}.>`, (m) => got.push(Buffer.from(m.data).toString()));
    await bus.flush();
    await Promise.all(['1', '2', '3'].map((v) => bus.publish(`bustest${process.pid}.a`, Buffer.from(v), { msgId: `m${v}` })));
    await bus.publish(`bustest${process.pid}.a`, Buffer.from('2 again'), { msgId: 'm2' });
    const jsm = await bus.connection.jetstreamManager();
    expect((await jsm.streams.info(stream.name)).state.messages).toBe(3);
    await bus.flush();
    expect(got.slice(0, 3)).toEqual(['1', '2', '3']);
    sub.unsubscribe();
  });

  it('reads back what a stream kept of a subject from a time on, oldest first, up to a limit, and leaves no consumer behind', async () => {
    const subject = (who: string) => `bustest${process.pid}.h.${who}`;
    await bus.publish(subject('x'), Buffer.from('before'));
    await new Promise((r) => setTimeout(r, 50));
    const since = new Date();
    for (const [who, v] of [['x', 'x1'], ['y', 'y1'], ['x', 'x2'], ['x', 'x3']]) await bus.publish(subject(who), Buffer.from(v));
    const read = async (filter: string, from: Date, limit: number) => {
      const got: string[] = [];
      const all = await bus.history(stream.name, filter, from, limit, (m) => got.push(Buffer.from(m.data).toString()));
      return { got, all };
    };
    expect(await read(subject('*'), since, 100)).toEqual({ got: ['x1', 'y1', 'x2', 'x3'], all: 4 });
    expect(await read(subject('x'), since, 2)).toEqual({ got: ['x1', 'x2'], all: 3 });
    expect(await read(subject('nobody'), since, 100)).toEqual({ got: [], all: 0 });
    expect(await read(subject('*'), new Date(Date.now() + 60_000), 100)).toEqual({ got: [], all: 0 });
    expect(await read(subject('x'), new Date(Date.now() + 60_000), 100)).toEqual({ got: [], all: 0 }); // its last message is older: nothing read
    const jsm = await bus.connection.jetstreamManager();
    expect((await jsm.streams.info(stream.name)).state.consumer_count).toBe(0);
  });

  it('still fails a request nobody answers with a timeout', async () => {
    await expect(bus.connection.request(`bustest-nobody-${process.pid}`, new Uint8Array(), { timeout: 100 })).rejects.toMatchObject({
      code: expect.stringMatching(/503|TIMEOUT/),
    });
  });

  it('makes no nats.js error for a durable publish that lands', async () => {
    const errors = jest.spyOn(NatsError, 'errorForCode');
    try {
      await bus.publish(`bustest${process.pid}.quiet`, Buffer.from('x'), { msgId: 'quiet' });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it("leaves nats.js's errors as nats.js makes them, stack and all", () => {
    for (const code of [ErrorCode.Cancelled, ErrorCode.Timeout]) {
      expect(NatsError.errorForCode(code).stack?.split('\n').some((l) => l.trim().startsWith('at '))).toBe(true);
    }
  });
});

it('closes its connection when a stream cannot be made (no process left hanging)', async () => {
  const bad = { name: `BUS_BAD_${process.pid}`, subjects: [`busbad${process.pid}.>`], maxAgeSeconds: 10 }; // < the 120 s duplicate window
  await expect(NatsEventBus.connect(testNatsUrl, 'bus-bad', [bad], logger)).rejects.toThrow(/duplicates window/);
});

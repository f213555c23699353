// Durable consumers on the real NATS cannot be stalled by one message: a poison message is terminated
// at once, one that keeps failing is given up after max_deliver deliveries, a handler that hangs is
// given up on for that delivery, and the messages after each are still applied, in order. Each is a
// dead letter: an error log line and a count.
import { eventually, testNatsUrl, uniqueTestName } from '../testing';
import { DomainError } from '../errors';
import { createLogger } from '../logger';
import { decodeOrPoison, PoisonMessage, RunningEventConsumer, startEventConsumer } from './event-consumer';
import { bindStream, NatsEventBus } from './nats-event-bus';

const prefix = `consumertest${process.pid}`;
const stream = { name: `CONSUMER_TEST_${process.pid}`, subjects: [`${prefix}.>`], maxAgeSeconds: 300 };

describe('a durable event consumer', () => {
  let bus: NatsEventBus;
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({}, 'info', (line) => lines.push(JSON.parse(line)));
  const running: RunningEventConsumer[] = [];
  const durables: string[] = [];

  beforeAll(async () => {
    bus = await NatsEventBus.connect(testNatsUrl, 'consumer-test', [stream], logger);
  });
  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop();
  });
  afterAll(async () => {
    const jsm = await bus.connection.jetstreamManager();
    for (const d of durables) await jsm.consumers.delete(stream.name, d).catch(() => undefined);
    await jsm.streams.delete(stream.name).catch(() => undefined);
    await bus.close();
  });

  async function consume(subject: string, handle: (text: string) => Promise<void>, options: { maxDeliver?: number; handlerTimeoutMs?: number } = {}) {
    const durableName = uniqueTestName('consumer');
    durables.push(durableName);
    const c = await startEventConsumer(
      bus,
      { stream, subject, durableName, retryDelayMs: 20, maxRetryDelayMs: 50, ...options },
      async (data) => handle(decodeOrPoison((d) => JSON.parse(Buffer.from(d).toString('utf8')) as string, data)),
      logger,
    );
    running.push(c);
    return c;
  }

  const publish = (subject: string, body: string) => bus.publish(subject, Buffer.from(body));

  it('terminates a poison message at once and goes on with the next', async () => {
    const subject = `${prefix}.poison`;
    const applied: string[] = [];
    let poisonTries = 0;
    const c = await consume(subject, async (text) => {
      if (text === 'poison') {
        poisonTries++;
        throw new PoisonMessage('cannot be applied');
      }
      applied.push(text);
    });
    await publish(subject, '"one"');
    await publish(subject, 'not json at all'); // does not decode: poison too
    await publish(subject, '"poison"');
    await publish(subject, '"two"');
    await eventually(() => applied.length === 2, 10_000, 'the messages after the poison ones');
    expect(applied).toEqual(['one', 'two']);
    expect(poisonTries).toBe(1);
    await eventually(() => c.stats.applied === 2, 5000, 'the last one acknowledged');
    expect(c.stats).toMatchObject({ applied: 2, deadLettered: 2, retried: 0 });
    expect(lines.filter((l) => l.msg === 'event dead-lettered' && l.subject === subject).map((l) => l.why)).toEqual(['poison', 'poison']);
  });

  it('gives up on a message after max_deliver failed deliveries and applies the ones after it, in order', async () => {
    const subject = `${prefix}.failing`;
    const applied: string[] = [];
    let failingTries = 0;
    const c = await consume(
      subject,
      async (text) => {
        if (text === 'always fails') {
          failingTries++;
          // Retryable as far as anyone can tell (before max_deliver this stalled the consumer for good).
          throw new DomainError('UNAVAILABLE', 'the backend refuses it');
        }
        applied.push(text);
      },
      { maxDeliver: 3 },
    );
    for (const body of ['"a"', '"always fails"', '"b"', '"c"']) await publish(subject, body);
    await eventually(() => applied.length === 3, 10_000, 'the messages after the failing one');
    expect(applied).toEqual(['a', 'b', 'c']);
    expect(failingTries).toBe(3);
    await eventually(() => c.stats.applied === 3, 5000, 'the last one acknowledged');
    expect(c.stats).toMatchObject({ applied: 3, retried: 2, deadLettered: 1 });
    expect(lines.find((l) => l.msg === 'event dead-lettered' && l.subject === subject)).toMatchObject({ why: 'max_deliver', deliveries: 3 });
  });

  it('tries again a message whose handler hangs, instead of waiting for it for good', async () => {
    const subject = `${prefix}.hang`;
    const applied: string[] = [];
    let tries = 0;
    await consume(
      subject,
      async (text) => {
        if (text === 'hangs once' && ++tries === 1) return new Promise<void>(() => undefined);
        applied.push(text);
      },
      { handlerTimeoutMs: 200 },
    );
    await publish(subject, '"hangs once"');
    await publish(subject, '"next"');
    await eventually(() => applied.length === 2, 10_000, 'both applied');
    expect(applied).toEqual(['hangs once', 'next']);
  });

  it('gives a consumer made by an older version (no max_deliver) its limit at start', async () => {
    const subject = `${prefix}.old`;
    const durableName = uniqueTestName('old-consumer');
    durables.push(durableName);
    const jsm = await bus.connection.jetstreamManager();
    await jsm.consumers.add(stream.name, {
      durable_name: durableName,
      ack_policy: 'explicit' as never,
      deliver_policy: 'new' as never,
      filter_subject: subject,
      max_ack_pending: 1,
      ack_wait: 30e9,
    });
    expect((await jsm.consumers.info(stream.name, durableName)).config.max_deliver).toBe(-1);
    const c = await startEventConsumer(bus, { stream, subject, durableName, maxDeliver: 4 }, async () => undefined, logger);
    running.push(c);
    expect((await jsm.consumers.info(stream.name, durableName)).config.max_deliver).toBe(4);
  });
});

describe('binding to a stream another service owns', () => {
  it('leaves its settings as they are, and makes it from the definition only when it is missing', async () => {
    const owned = { name: uniqueTestName('BIND_TEST').toUpperCase(), subjects: [`${uniqueTestName('bindtest')}.>`], maxAgeSeconds: 600 };
    const bus = await NatsEventBus.connect(testNatsUrl, 'bind-test', [], createLogger({}, 'silent'));
    const jsm = await bus.connection.jetstreamManager();
    try {
      await bindStream(jsm, owned);
      expect((await jsm.streams.info(owned.name)).config.max_age).toBe(600e9);
      // Its owner (or an operator) changes a setting; binding again does not put it back.
      await jsm.streams.update(owned.name, { ...(await jsm.streams.info(owned.name)).config, max_age: 900e9 });
      await bindStream(jsm, owned);
      expect((await jsm.streams.info(owned.name)).config.max_age).toBe(900e9);
    } finally {
      await jsm.streams.delete(owned.name).catch(() => undefined);
      await bus.close();
    }
  });
});

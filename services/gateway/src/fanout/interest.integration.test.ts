// Per-key subscriptions against the real NATS server, the publisher on a connection of its own (as
// the room service's relay is): once hold() resolves, whatever is published next reaches the holder;
// keys nobody holds, and keys let go, do not. Absence is shown by order: a marker published after
// the message on a held key arrives, and the server delivers one publisher's messages in order.
import { createLogger, NatsEventBus, type BusMessage } from '@rtcroom/common';
import { testNatsUrl } from '@rtcroom/common/testing';
import { Interest } from './interest';

const logger = createLogger({}, 'silent');
const prefix = `interesttest${process.pid}`;

describe('Interest on NATS', () => {
  let gateway: NatsEventBus;
  let relay: NatsEventBus;
  beforeAll(async () => {
    gateway = await NatsEventBus.connect(testNatsUrl, 'interest-test-gateway', [], logger);
    relay = await NatsEventBus.connect(testNatsUrl, 'interest-test-relay', [], logger);
  });
  afterAll(async () => {
    await gateway.close();
    await relay.close();
  });

  it('receives a held key from the moment hold() resolves, and nothing of keys not held', async () => {
    const got: string[] = [];
    const arrived: Array<() => void> = [];
    const interest = new Interest(gateway, (key) => `${prefix}.${key}.>`, (m: BusMessage) => {
      got.push(m.subject);
      arrived.splice(0).forEach((f) => f());
    }, logger);
    const until = async (subject: string) => {
      const deadline = Date.now() + 5000;
      while (!got.includes(subject)) {
        if (Date.now() > deadline) throw new Error(`${subject} never arrived (got ${got.join(', ')})`);
        await new Promise<void>((resolve) => {
          arrived.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    };
    const since = interest.now();
    await Promise.all([interest.hold('a'), interest.hold('marker')]);
    expect(interest.heardSince('a', since)).toBe(false);
    expect(interest.heardSince('a', interest.now())).toBe(true);
    for (const subject of [`${prefix}.a.1`, `${prefix}.b.1`, `${prefix}.marker.1`]) await relay.publish(subject, new Uint8Array([1]));
    await until(`${prefix}.marker.1`);
    expect(got).toEqual([`${prefix}.a.1`, `${prefix}.marker.1`]);

    interest.release('a');
    await gateway.flush(); // the UNSUB is at the server
    for (const subject of [`${prefix}.a.2`, `${prefix}.marker.2`]) await relay.publish(subject, new Uint8Array([2]));
    await until(`${prefix}.marker.2`);
    expect(got).toEqual([`${prefix}.a.1`, `${prefix}.marker.1`, `${prefix}.marker.2`]);
    interest.stop();
  });
});

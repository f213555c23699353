// One subscription per key while it has holders, confirmed with the server in one flush per turn.
import { createLogger, EventBus, InMemoryEventBus } from '@rtcroom/common';
import { Interest } from './interest';

const logger = createLogger({}, 'silent');

function countingBus(): { bus: EventBus; subscribed: string[]; unsubscribed: string[]; flushes: () => number } {
  const inner = new InMemoryEventBus();
  const subscribed: string[] = [];
  const unsubscribed: string[] = [];
  let flushes = 0;
  const bus: EventBus = {
    publish: (s, d, o) => inner.publish(s, d, o),
    subscribe: (subject, handler) => {
      subscribed.push(subject);
      const sub = inner.subscribe(subject, handler);
      return { unsubscribe: () => (unsubscribed.push(subject), sub.unsubscribe()) };
    },
    flush: async () => void flushes++,
    close: () => inner.close(),
  };
  return { bus, subscribed, unsubscribed, flushes: () => flushes };
}

describe('Interest', () => {
  it('holds one subscription per key until its last holder lets go', async () => {
    const { bus, subscribed, unsubscribed, flushes } = countingBus();
    const got: string[] = [];
    const interest = new Interest(bus, (k) => `t.${k}.>`, (m) => got.push(m.subject), logger);
    const before = interest.now();
    await Promise.all([interest.hold('a'), interest.hold('a'), interest.hold('b')]);
    expect(subscribed).toEqual(['t.a.>', 't.b.>']);
    expect(flushes()).toBe(1); // one PING for every subscription of that turn
    expect(interest.heardSince('a', before)).toBe(false); // not yet listened to back then
    expect(interest.heardSince('a', interest.now())).toBe(true);
    await bus.publish('t.a.x', new Uint8Array());
    await bus.publish('t.c.x', new Uint8Array());
    expect(got).toEqual(['t.a.x']);
    interest.release('a');
    expect(unsubscribed).toEqual([]);
    interest.release('a');
    interest.release('a'); // one too many: nothing happens
    expect(unsubscribed).toEqual(['t.a.>']);
    expect(interest.size).toBe(1);
    expect(interest.heardSince('a', interest.now())).toBe(false);
    interest.stop();
    expect(interest.size).toBe(0);
  });

  it('sends the SUB without a round trip when asked not to confirm it (the calls of an identity)', async () => {
    const { bus, subscribed, unsubscribed, flushes } = countingBus();
    const got: string[] = [];
    const interest = new Interest(bus, (k) => `u.${k}.call`, (m) => got.push(m.subject), logger, 0, false);
    await Promise.all([interest.hold('a'), interest.hold('a')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(subscribed).toEqual(['u.a.call']);
    expect(flushes()).toBe(0);
    expect(interest.readySubscription('a')).toBeDefined();
    await bus.publish('u.a.call', new Uint8Array());
    await bus.publish('u.b.call', new Uint8Array());
    expect(got).toEqual(['u.a.call']);
    interest.release('a');
    interest.release('a');
    expect(unsubscribed).toEqual(['u.a.call']);
  });

  it('goes on, not heard, when the server does not confirm in time', async () => {
    const { bus } = countingBus();
    const stuck: EventBus = { ...bus, flush: () => new Promise(() => undefined) };
    const interest = new Interest(stuck, (k) => `t.${k}.>`, () => undefined, logger, 10);
    await interest.hold('a');
    expect(interest.heardSince('a', interest.now())).toBe(false);
    interest.stop();
  });

  it('counts a lost connection to NATS as a break of every subscription: heard again only from its return', async () => {
    const { bus } = countingBus();
    const interest = new Interest(bus, (k) => `t.${k}.>`, () => undefined, logger);
    await interest.hold('a');
    const before = interest.now();
    const token = interest.readySubscription('a');
    interest.noteFirst('a', 7);
    interest.lost();
    expect(interest.heardSince('a', interest.now())).toBe(false);
    expect(interest.readySubscription('a')).toBeUndefined();
    interest.back();
    expect(interest.heardSince('a', before)).toBe(false); // what came during the break was missed
    expect(interest.heardSince('a', interest.now())).toBe(true);
    expect(interest.readySubscription('a')).not.toBe(token); // reads made before do not serve after
    expect(interest.firstNoted('a')).toBeUndefined();
    expect(interest.isHeld('a')).toBe(true);
  });
});

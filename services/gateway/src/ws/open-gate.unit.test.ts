import { Admitted, OpenGate, SentAway } from './open-gate';

function gate(maxOpening: number, maxWaitMs = 10_000) {
  let now = 0;
  const g = new OpenGate({ maxOpening, maxWaitMs, now: () => now, random: () => 0.5 });
  return { g, advance: (ms: number) => (now += ms) };
}

const quiet = () => undefined;
const here = () => false;

describe('OpenGate', () => {
  it('lets connections in at once up to maxOpening, then in order as each opening finishes', async () => {
    const { g, advance } = gate(2);
    const a = g.enter(quiet, here) as Admitted;
    const b = g.enter(quiet, here) as Admitted;
    expect([a.admitted, b.admitted]).toEqual([true, true]);
    const told: Array<[number, number]> = [];
    const c = g.enter((position, wait) => told.push([position, wait]), here) as Promise<Admitted | null>;
    const d = g.enter(quiet, here) as Promise<Admitted | null>;
    expect(c).toBeInstanceOf(Promise);
    expect(g.waiting).toBe(2);
    expect(told).toEqual([[1, 25]]); // no pace known yet: 2 at a time, 50 ms each
    const order: string[] = [];
    void c.then(() => order.push('c'));
    void d.then(() => order.push('d'));
    advance(30);
    a.done();
    a.done(); // once only
    await Promise.resolve();
    expect(order).toEqual(['c']);
    expect((await c)!.waitedMs).toBe(30);
    expect(g.inFlight).toBe(2);
    b.done();
    expect((await d)!.admitted).toBe(true);
    expect(g.waiting).toBe(0);
  });

  it('gives a place up when its connection goes away while waiting', async () => {
    const { g } = gate(1);
    const a = g.enter(quiet, here) as Admitted;
    let cGone = false;
    const c = g.enter(quiet, () => cGone) as Promise<Admitted | null>;
    const d = g.enter(quiet, here) as Promise<Admitted | null>;
    cGone = true;
    a.done();
    await expect(c).resolves.toBeNull();
    expect((await d)!.admitted).toBe(true);
    expect(g.inFlight).toBe(1);
  });

  it('lets nobody in once closed (the gateway stops): those waiting give their place up', async () => {
    const { g } = gate(1);
    const a = g.enter(quiet, here) as Admitted;
    const c = g.enter(quiet, here) as Promise<Admitted | null>;
    g.close();
    await expect(c).resolves.toBeNull();
    await expect(g.enter(quiet, here)).resolves.toBeNull();
    a.done();
    expect(g.waiting).toBe(0);
  });

  it('tells each waiting connection its place again, without those gone', () => {
    const { g } = gate(1);
    g.enter(quiet, here);
    let gone = false;
    g.enter(quiet, () => gone);
    const told: number[] = [];
    g.enter((position) => told.push(position), here);
    gone = true;
    g.tell();
    expect(told).toEqual([2, 1]);
    expect(g.waiting).toBe(1);
  });

  it('sends a connection away when its wait would pass maxWaitMs, to come back when the line has shortened', () => {
    const { g, advance } = gate(1, 1000);
    // The pace: 10 opens, one every half second, read over the 4.5 s from the first to the last.
    for (let i = 0; i < 10; i++) {
      advance(500);
      (g.enter(quiet, here) as Admitted).done();
    }
    g.enter(quiet, here); // in flight
    expect(g.expectedWaitMs(1)).toBe(450);
    expect(g.enter(quiet, here)).toBeInstanceOf(Promise); // 450 ms
    expect(g.enter(quiet, here)).toBeInstanceOf(Promise); // 900 ms
    const away = g.enter(quiet, here) as SentAway;
    expect(away).toEqual({ admitted: false, retryAfterMs: 1688 }); // 1,350 ms expected, x (1 + 0.5 / 2)
    expect(g.waiting).toBe(2);
  });

  it('reads the pace over the last five seconds only, and over at least a second', () => {
    const { g, advance } = gate(1);
    for (let i = 0; i < 20; i++) (g.enter(quiet, here) as Admitted).done();
    expect(g.expectedWaitMs(4)).toBe(200); // 20 at once: read as 20 in a second
    advance(2000);
    expect(g.expectedWaitMs(4)).toBe(400); // 20 in 2 s
    advance(4000);
    expect(g.expectedWaitMs(4)).toBe(200); // none left in the window: as if 50 ms each
  });
});

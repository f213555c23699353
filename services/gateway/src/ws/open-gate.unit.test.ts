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
    const { g, advance } = gate(2, 1000);
    // Opens have lasted 400 ms: with both places taken, the line moves two places every 400 ms.
    const a = g.enter(quiet, here) as Admitted;
    advance(400);
    a.done();
    g.enter(quiet, here);
    g.enter(quiet, here);
    expect(g.expectedWaitMs(1)).toBe(200);
    expect(g.enter(quiet, here)).toBeInstanceOf(Promise); // 200 ms
    for (let position = 2; position <= 5; position++) expect(g.enter(quiet, here)).toBeInstanceOf(Promise); // up to 1,000 ms
    const away = g.enter(quiet, here) as SentAway;
    expect(away).toEqual({ admitted: false, retryAfterMs: 1500 }); // 1,200 ms foretold, x (1 + 0.5 / 2)
    expect(g.waiting).toBe(5);
    // A resume waits however long the line.
    expect(g.enter(quiet, here, true)).toBeInstanceOf(Promise);
    expect(g.waiting).toBe(6);
  });

  it('foretells the wait from how long opens lasted lately, the first ones weighing most', () => {
    const { g, advance } = gate(1);
    expect(g.expectedWaitMs(4)).toBe(200); // nothing finished yet: as if 50 ms each
    const open = (ms: number) => {
      const a = g.enter(quiet, here) as Admitted;
      advance(ms);
      a.done();
    };
    open(100);
    expect(g.expectedWaitMs(1)).toBe(100); // the first replaces the guess
    open(300);
    expect(g.expectedWaitMs(1)).toBe(200); // the second weighs a half
    for (let i = 0; i < 40; i++) open(1000);
    expect(g.expectedWaitMs(1)).toBeGreaterThan(950); // lately, a second each
  });
});

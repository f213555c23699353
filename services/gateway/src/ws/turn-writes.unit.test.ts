// Frames for one connection within a turn leave in one write; the next turn's in another.
import { Duplex } from 'node:stream';
import { TurnWrites } from './turn-writes';

function socket(): { raw: Duplex; writes: string[][] } {
  const writes: string[][] = [];
  const raw = new Duplex({
    read() {},
    writev(chunks, done) {
      writes.push(chunks.map((c) => String(c.chunk)));
      done();
    },
    write(chunk, _enc, done) {
      writes.push([String(chunk)]);
      done();
    },
  });
  return { raw, writes };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('TurnWrites', () => {
  it('sends what one turn wrote to a socket in one write, per socket', async () => {
    const batched = new TurnWrites();
    const a = socket();
    const b = socket();
    for (const [s, text] of [[a, 'a1'], [b, 'b1'], [a, 'a2'], [a, 'a3']] as const) {
      batched.hold(s.raw);
      s.raw.write(text);
    }
    expect(a.writes).toEqual([]);
    await turn();
    expect(a.writes).toEqual([['a1', 'a2', 'a3']]);
    expect(b.writes).toEqual([['b1']]);
    batched.hold(a.raw);
    a.raw.write('a4');
    await turn();
    expect(a.writes).toEqual([['a1', 'a2', 'a3'], ['a4']]);
    expect(a.raw.writableCorked).toBe(0);
  });

  it('lets a socket holding more than a few frames go at once', async () => {
    const batched = new TurnWrites();
    const a = socket();
    const big = 'x'.repeat(10 * 1024);
    for (const text of ['small', big, big, 'after']) {
      batched.hold(a.raw);
      a.raw.write(text);
      batched.wrote(a.raw);
    }
    // The third frame took it past 16 KB: the three went together; the fourth waits for the turn's end.
    expect(a.writes.map((w) => w.length)).toEqual([3]);
    await turn();
    expect(a.writes.map((w) => w.length)).toEqual([3, 1]);
    expect(a.raw.writableCorked).toBe(0);
  });
});

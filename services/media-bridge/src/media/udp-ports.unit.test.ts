import { createSocket, Socket } from 'node:dgram';
import { UdpPortPairs } from './udp-ports';

const bind = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });

describe('UdpPortPairs', () => {
  const min = 23000 + 2 * Math.floor(Math.random() * 400);

  it('hands out even ports whose pair is free, skips taken ones, and takes a released one again', async () => {
    const pairs = new UdpPortPairs('127.0.0.1', { min: min + 1, max: min + 8 });
    // Someone else holds the RTCP port of the first even port.
    const squatter = await bind(min + 3);
    try {
      const a = await pairs.take();
      const b = await pairs.take();
      expect(a % 2).toBe(0);
      expect([a, b]).toEqual([min + 4, min + 6]);
      await expect(pairs.take()).rejects.toThrow(/no free UDP port pair/);
      pairs.release(a);
      expect(await pairs.take()).toBe(a);
    } finally {
      squatter.close();
    }
  });
});

// Pairs of UDP ports (RTP on an even port, RTCP on the next) for ffmpeg to receive a forward on,
// taken in turn from a configured range and checked free by binding them for a moment.
import { createSocket } from 'node:dgram';

export interface PortRange {
  min: number;
  max: number;
}

const bindable = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });

export class UdpPortPairs {
  private next: number;
  private taken = new Set<number>();

  constructor(
    private readonly host: string,
    private readonly range: PortRange,
  ) {
    this.next = range.min + (range.min % 2);
  }

  /** An even port whose pair (it and the next) is free now; give it back with release. */
  async take(): Promise<number> {
    const pairs = Math.floor((this.range.max - this.range.min) / 2);
    for (let tried = 0; tried < pairs; tried++) {
      const port = this.next;
      this.next = port + 2 > this.range.max - 1 ? this.range.min + (this.range.min % 2) : port + 2;
      if (this.taken.has(port)) continue;
      if ((await bindable(this.host, port)) && (await bindable(this.host, port + 1))) {
        this.taken.add(port);
        return port;
      }
    }
    throw new Error(`no free UDP port pair in ${this.range.min}-${this.range.max} on ${this.host}`);
  }

  release(port: number): void {
    this.taken.delete(port);
  }
}

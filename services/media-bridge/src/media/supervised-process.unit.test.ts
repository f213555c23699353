import { createLogger } from '@rtcroom/common';
import { SupervisedProcess } from './supervised-process';

const logger = createLogger({}, 'silent');

describe('SupervisedProcess', () => {
  it('says media flows once the progress clock moves, restarts a process that ends, and stops it for good', async () => {
    // A stand-in for ffmpeg: prints progress, then exits; the supervisor starts it again.
    const script = 'echo out_time_us=0; sleep 0.1; echo out_time_us=40000; echo oops >&2; sleep 0.2; exit 1';
    const supervised = new SupervisedProcess({ command: 'sh', args: () => ['-c', script], logger, backoffMs: 50 });
    supervised.start();
    await supervised.flowing(5000);
    expect(supervised.state).toBe('flowing');
    expect(supervised.firstFlowAt).toBeDefined();
    const deadline = Date.now() + 5000;
    while (supervised.restarts < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(supervised.restarts).toBeGreaterThanOrEqual(2);
    expect(supervised.stderrTail).toContain('oops');
    await supervised.stop();
    const restarts = supervised.restarts;
    await new Promise((r) => setTimeout(r, 300));
    expect(supervised.restarts).toBe(restarts);
    expect(supervised.state).toBe('stopped');
  });

  it('ends the process group with SIGTERM, then SIGKILL when it does not go', async () => {
    const supervised = new SupervisedProcess({ command: 'sh', args: () => ['-c', "trap '' TERM; echo out_time_us=1; sleep 30"], logger });
    supervised.start();
    await supervised.flowing(5000);
    const pid = supervised.pid!;
    const t0 = Date.now();
    await supervised.stop(300);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('gives up waiting for media after the bound, saying what the process said', async () => {
    const supervised = new SupervisedProcess({ command: 'sh', args: () => ['-c', 'echo no-stream >&2; sleep 5'], logger });
    supervised.start();
    await expect(supervised.flowing(300)).rejects.toThrow(/no media within 300 ms.*no-stream/);
    await supervised.stop();
  });
});

// A TCP port nobody listens on right now. Only for a program that cannot bind port 0 and say where it
// is (nginx): the port may be taken by another process before the program binds it, so the caller must
// notice that the program failed to bind, not take "something answers on the port" for success.
// rtcroom's services bind port 0 and report (startAll, runMain's ready message).
import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

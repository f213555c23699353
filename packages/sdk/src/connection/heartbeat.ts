// Pings the gateway on a welcomed socket every interval, one ping at a time. A ping left unanswered
// past its timeout means the network is gone without a word: no close may ever come, so the socket is
// dropped at once and reported silent.
import type { RtcRoomError } from '../errors.js';
import { clearRepeating, setRepeating } from '../timers.js';
import type { Link } from './link.js';

/** Starts the pings; returns the function that stops them. */
export function startHeartbeat(link: Link, intervalMs: number, ping: () => Promise<unknown>, silent: (link: Link) => void): () => void {
  let outstanding = false;
  let stopped = false;
  const timer = setRepeating(() => {
    if (outstanding) return;
    outstanding = true;
    ping()
      .catch((err: RtcRoomError) => {
        if (err.code !== 'TIMEOUT' || stopped) return;
        if (link.socket?.terminate) link.socket.terminate();
        else link.socket?.close(4000, 'heartbeat timeout');
        silent(link);
      })
      .finally(() => (outstanding = false));
  }, intervalMs);
  return () => {
    stopped = true;
    clearRepeating(timer);
  };
}

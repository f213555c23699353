// Frames sent to one connection in the same turn of the event loop leave in one socket write.
//
// A room event is one frame per recipient, and one write (a syscall, and a wake-up of the reader)
// per frame; but frames for the same connection often come together: a leave and the owner's
// handover it caused (two events of one commit, published back to back and read in one go), a join's
// answer and the events replayed after it. A connection's socket is corked at its first frame of a
// turn and uncorked once the turn's I/O has been handled (setImmediate), so those leave in one write.
// A socket holding more than `heldBytesMax` goes at once: a burst (a join's replay) is not held back,
// nor counted against the connection's buffer limit as if its client were slow.
import type { Duplex } from 'node:stream';

const heldBytesMax = 16 * 1024;

export class TurnWrites {
  private corked = new Set<Duplex>();

  /** Holds the socket's writes until the end of this turn (once per socket and turn). */
  hold(socket: Duplex): void {
    if (this.corked.has(socket)) return;
    socket.cork();
    this.corked.add(socket);
    if (this.corked.size === 1) setImmediate(() => this.release());
  }

  /** After a write: a socket holding a lot goes now (and is held again by its next frame of the turn). */
  wrote(socket: Duplex): void {
    if (socket.writableLength <= heldBytesMax || !this.corked.delete(socket)) return;
    socket.uncork();
  }

  private release(): void {
    const sockets = this.corked;
    this.corked = new Set();
    for (const socket of sockets) socket.uncork();
  }
}

// What one connection's failed requests leave in the log. A client's own mistakes (a malformed frame,
// an invalid argument, too many requests) are logged at info, without a stack: they say nothing about
// the gateway. A fault of the gateway or a service (INTERNAL) is logged at error with its stack.
// Either way a connection writes at most a few lines per window and counts the rest into its next
// line (`suppressed`): one client sending bad frames in a loop once wrote 5,600 error lines in 22 s.
import { Logger } from '@rtcroom/common';
import { GatewayErrorCode } from '../errors';

const clientMistakes = new Set<GatewayErrorCode>(['MALFORMED_FRAME', 'UNKNOWN_MESSAGE', 'FRAME_TOO_LARGE', 'INVALID_ARGUMENT', 'RATE_LIMITED']);

export class FailureLog {
  private windowStart = -Infinity;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly linesPerWindow = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Answers with other codes (ROOM_FULL, NOT_A_MEMBER, ...) are the protocol working: not logged. */
  note(code: GatewayErrorCode, message: string, err: unknown, fields: Record<string, unknown>): void {
    const mistake = clientMistakes.has(code);
    if (!mistake && code !== 'INTERNAL') return;
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow >= this.linesPerWindow) {
      this.suppressed++;
      return;
    }
    this.linesInWindow++;
    const suppressed = this.suppressed > 0 ? { suppressed: this.suppressed } : {};
    this.suppressed = 0;
    if (mistake) this.logger.info('client request refused', { ...fields, code, message, ...suppressed });
    else this.logger.error('request failed', { ...fields, err, ...suppressed });
  }
}

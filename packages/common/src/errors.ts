// The error every rtcroom domain throws: an UPPER_SNAKE reason that is stable across gRPC (as an
// ErrorInfo reason) and the gateway (as the error code a client sees).
export type ErrorReason =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'TOKEN_EXPIRED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ROOM_NOT_FOUND'
  | 'ROOM_CLOSED'
  | 'ROOM_FULL'
  | 'AUDIENCE_FULL'
  | 'ALREADY_EXISTS'
  | 'NOT_A_MEMBER'
  | 'IDENTITY_IN_USE'
  | 'BANNED'
  | 'FAILED_PRECONDITION'
  | 'CALLEE_OFFLINE'
  | 'CALLEE_BUSY'
  | 'CALL_NOT_FOUND'
  | 'CALL_ENDED'
  | 'NOT_A_PARTY'
  | 'QUEUE_FULL'
  | 'TEAM_CLOSED'
  | 'AGENT_UNAVAILABLE'
  | 'NOT_A_SUPERVISOR'
  | 'CALL_NOT_LIVE'
  | 'RATE_LIMITED'
  | 'MESSAGE_TOO_LARGE'
  | 'TOO_MANY_RECIPIENTS'
  | 'MEDIA_FORBIDDEN'
  | 'SESSION_NOT_FOUND'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export class DomainError extends Error {
  /**
   * `options.cause`: the error this one stands for (kept for logs and debugging; it never crosses gRPC
   * or reaches a client, which see the reason, message and metadata only).
   */
  constructor(
    readonly reason: ErrorReason,
    message: string,
    readonly metadata: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

export function isDomainError(err: unknown, reason?: ErrorReason): err is DomainError {
  return err instanceof DomainError && (reason === undefined || err.reason === reason);
}

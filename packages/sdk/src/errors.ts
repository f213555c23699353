// Typed errors: the gateway's stable codes, and the few the SDK itself raises.

/** Codes the gateway answers with (gateway.proto, message Error). Stable: match on them. */
export const serverErrorCodes = [
  'MALFORMED_FRAME',
  'UNKNOWN_MESSAGE',
  'FRAME_TOO_LARGE',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'PERMISSION_DENIED',
  'INVALID_ARGUMENT',
  'ROOM_NOT_FOUND',
  'ROOM_CLOSED',
  'ROOM_FULL',
  'AUDIENCE_FULL',
  'ALREADY_EXISTS',
  'NOT_A_MEMBER',
  'IDENTITY_IN_USE',
  'BANNED',
  'FAILED_PRECONDITION',
  'CALLEE_OFFLINE',
  'CALLEE_BUSY',
  'CALL_NOT_FOUND',
  'CALL_ENDED',
  'NOT_A_PARTY',
  'QUEUE_FULL',
  'TEAM_CLOSED',
  'AGENT_UNAVAILABLE',
  'NOT_A_SUPERVISOR',
  'CALL_NOT_LIVE',
  'RATE_LIMITED',
  'MESSAGE_TOO_LARGE',
  'TOO_MANY_RECIPIENTS',
  'MEDIA_FORBIDDEN',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ServerErrorCode = (typeof serverErrorCodes)[number];

/**
 * Codes the SDK raises itself: the connection went away with the request unanswered (it may or may
 * not have been carried out), no answer in time, the client is not connected or was closed, the
 * token provider failed when asked for a fresh token to refresh the connection's.
 */
export const clientErrorCodes = ['CONNECTION_LOST', 'TIMEOUT', 'NOT_CONNECTED', 'CLOSED', 'CONNECT_FAILED', 'TOKEN_REFRESH_FAILED'] as const;

export type ClientErrorCode = (typeof clientErrorCodes)[number];

export type ErrorCode = ServerErrorCode | ClientErrorCode;

export interface RtcRoomErrorOptions {
  /** The request that failed, when there was one. */
  request?: string;
  /** What went wrong underneath (a token provider's error, the failure that ended the connection). */
  cause?: unknown;
  /** The gateway sent the connection away before its welcome (busy): come back after this long. */
  retryAfterMs?: number;
}

export class RtcRoomError extends Error {
  override readonly name = 'RtcRoomError';
  /** The request that failed, when there was one. */
  readonly request?: string;
  /** The gateway sent the connection away before its welcome (busy, UNAVAILABLE): come back after this long. */
  readonly retryAfterMs?: number;

  constructor(
    /** The server's stable code (or one of the SDK's own); a code the SDK does not know yet is passed through as it is. */
    readonly code: ErrorCode | (string & {}),
    private readonly detail: string,
    options: RtcRoomErrorOptions = {},
  ) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.request = options.request;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    // Engines before ES2022 (older mini-program runtimes) ignore Error's options.
    if (options.cause !== undefined && this.cause === undefined) this.cause = options.cause;
  }

  /** True when the failure came from the connection, not from the server's judgement of the request. */
  get isConnectionError(): boolean {
    return this.code === 'CONNECTION_LOST' || this.code === 'TIMEOUT' || this.code === 'NOT_CONNECTED' || this.code === 'CONNECT_FAILED';
  }

  /** The same failure as met by one request among those it ended. */
  forRequest(request: string): RtcRoomError {
    return new RtcRoomError(this.code, this.detail, { request, cause: this });
  }
}

/** An RtcRoomError with `code` for anything thrown that is not one already, keeping it as the cause. */
export function asRtcRoomError(err: unknown, code: ErrorCode): RtcRoomError {
  return err instanceof RtcRoomError ? err : new RtcRoomError(code, err instanceof Error ? err.message : String(err), { cause: err });
}

/** Codes that mean the access token will not do: reconnecting with the same one is pointless. */
export const authErrorCodes: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'PERMISSION_DENIED']);

// The one table from service error reasons to the error codes clients see (gatewayv1.Error.code).
import { DomainError, ErrorReason } from '@rtcroom/common';

/** Codes of the gateway's own, about the socket and its frames. */
const socketCodes = ['MALFORMED_FRAME', 'UNKNOWN_MESSAGE', 'FRAME_TOO_LARGE'] as const;

/** What clients see: the services' reasons (less those that mean nothing to a client) and the socket's own. */
export type GatewayErrorCode = Exclude<ErrorReason, 'NOT_FOUND' | 'SESSION_NOT_FOUND'> | (typeof socketCodes)[number];

const codeForReason: Record<ErrorReason, GatewayErrorCode> = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  NOT_FOUND: 'INVALID_ARGUMENT',
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  ROOM_CLOSED: 'ROOM_CLOSED',
  ROOM_FULL: 'ROOM_FULL',
  AUDIENCE_FULL: 'AUDIENCE_FULL',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  IDENTITY_IN_USE: 'IDENTITY_IN_USE',
  BANNED: 'BANNED',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  CALLEE_OFFLINE: 'CALLEE_OFFLINE',
  CALLEE_BUSY: 'CALLEE_BUSY',
  CALL_NOT_FOUND: 'CALL_NOT_FOUND',
  CALL_ENDED: 'CALL_ENDED',
  NOT_A_PARTY: 'NOT_A_PARTY',
  QUEUE_FULL: 'QUEUE_FULL',
  TEAM_CLOSED: 'TEAM_CLOSED',
  AGENT_UNAVAILABLE: 'AGENT_UNAVAILABLE',
  NOT_A_SUPERVISOR: 'NOT_A_SUPERVISOR',
  CALL_NOT_LIVE: 'CALL_NOT_LIVE',
  RATE_LIMITED: 'RATE_LIMITED',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  TOO_MANY_RECIPIENTS: 'TOO_MANY_RECIPIENTS',
  MEDIA_FORBIDDEN: 'MEDIA_FORBIDDEN',
  SESSION_NOT_FOUND: 'UNAUTHENTICATED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
};

/**
 * Every code an error frame can carry (the README's list and gateway.proto's Error comment are checked
 * against it: test/docs-agree.unit.test.ts).
 */
export const gatewayErrorCodes: readonly GatewayErrorCode[] = [...new Set([...socketCodes, ...Object.values(codeForReason)])];

/** An error raised by the gateway itself, already in client terms. */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function toClientError(err: unknown): { code: GatewayErrorCode; message: string } {
  if (err instanceof GatewayError) return { code: err.code, message: err.message };
  if (err instanceof DomainError) {
    const code = codeForReason[err.reason] ?? 'INTERNAL';
    return { code, message: code === 'INTERNAL' ? 'internal error' : err.message };
  }
  return { code: 'INTERNAL', message: 'internal error' };
}

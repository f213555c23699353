// DomainError <-> gRPC status. The reason travels as google.rpc.ErrorInfo in grpc-status-details-bin
// (readable by any gRPC client with rich-error support) and, for convenience, in the
// `rtcroom-reason` metadata key.
import * as grpc from '@grpc/grpc-js';
import { Any, ErrorInfo, Status } from '@rtcroom/proto';
import { DomainError, ErrorReason } from '../errors';

const codeOf: Record<ErrorReason, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  TOKEN_EXPIRED: grpc.status.UNAUTHENTICATED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ROOM_NOT_FOUND: grpc.status.NOT_FOUND,
  ROOM_CLOSED: grpc.status.FAILED_PRECONDITION,
  ROOM_FULL: grpc.status.RESOURCE_EXHAUSTED,
  AUDIENCE_FULL: grpc.status.RESOURCE_EXHAUSTED,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  NOT_A_MEMBER: grpc.status.FAILED_PRECONDITION,
  IDENTITY_IN_USE: grpc.status.ALREADY_EXISTS,
  BANNED: grpc.status.PERMISSION_DENIED,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  CALLEE_OFFLINE: grpc.status.FAILED_PRECONDITION,
  CALLEE_BUSY: grpc.status.FAILED_PRECONDITION,
  CALL_NOT_FOUND: grpc.status.NOT_FOUND,
  CALL_ENDED: grpc.status.FAILED_PRECONDITION,
  NOT_A_PARTY: grpc.status.PERMISSION_DENIED,
  QUEUE_FULL: grpc.status.RESOURCE_EXHAUSTED,
  TEAM_CLOSED: grpc.status.FAILED_PRECONDITION,
  AGENT_UNAVAILABLE: grpc.status.FAILED_PRECONDITION,
  NOT_A_SUPERVISOR: grpc.status.PERMISSION_DENIED,
  CALL_NOT_LIVE: grpc.status.FAILED_PRECONDITION,
  RATE_LIMITED: grpc.status.RESOURCE_EXHAUSTED,
  MESSAGE_TOO_LARGE: grpc.status.INVALID_ARGUMENT,
  TOO_MANY_RECIPIENTS: grpc.status.INVALID_ARGUMENT,
  MEDIA_FORBIDDEN: grpc.status.FAILED_PRECONDITION,
  SESSION_NOT_FOUND: grpc.status.NOT_FOUND,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

const errorInfoType = 'type.googleapis.com/google.rpc.ErrorInfo';
const reasonKey = 'rtcroom-reason';

export function grpcCodeFor(reason: ErrorReason): grpc.status {
  return codeOf[reason];
}

/** Turns anything a handler threw into the google.rpc.Status a call ends with; unknown errors become INTERNAL. */
export function toStatus(err: unknown, domain: string): Status {
  const domainErr = err instanceof DomainError ? err : new DomainError('INTERNAL', 'internal error');
  const info = ErrorInfo.encode({ reason: domainErr.reason, domain, metadata: domainErr.metadata }).finish();
  return { code: codeOf[domainErr.reason], message: domainErr.message, details: [{ typeUrl: errorInfoType, value: Buffer.from(info) }] };
}

/** The same as a unary call's ServiceError: the status in grpc-status-details-bin, the reason in metadata. */
export function toServiceError(err: unknown, domain: string): Partial<grpc.StatusObject> {
  const status = toStatus(err, domain);
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode(status).finish()));
  metadata.set(reasonKey, err instanceof DomainError ? err.reason : 'INTERNAL');
  return { code: status.code, details: status.message, metadata };
}

/** Reads the domain reason back out of a failed call; transport failures become UNAVAILABLE. */
export function fromServiceError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const se = err as Partial<grpc.ServiceError>;
  const raw = se?.metadata?.get('grpc-status-details-bin')?.[0];
  if (raw instanceof Buffer) {
    try {
      const fromDetails = domainErrorOf(Status.decode(raw), err);
      if (fromDetails) return fromDetails;
    } catch {
      // fall through to the status code
    }
  }
  return fromCode(se?.code, se?.details ?? se?.message ?? '', err);
}

/**
 * Whether a call failed because the server does not have the method (an older version of the
 * service during an upgrade): UNIMPLEMENTED unary, "unknown method" on the mux stream.
 */
export function isUnimplemented(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } })?.cause?.code;
  return err instanceof DomainError && err.reason === 'INTERNAL' && (code === grpc.status.UNIMPLEMENTED || /^unknown method |UNIMPLEMENTED/i.test(err.message));
}

/** The DomainError a failed call's google.rpc.Status stands for. */
export function fromStatus(status: Status): DomainError {
  return domainErrorOf(status) ?? fromCode(status.code, status.message);
}

/** `cause`: the grpc-js error the status came in, when it came in one (kept for logs, never sent on). */
function domainErrorOf(status: Status, cause?: unknown): DomainError | undefined {
  const detail = status.details.find((d: Any) => d.typeUrl === errorInfoType);
  if (!detail) return undefined;
  const info = ErrorInfo.decode(detail.value);
  return new DomainError(info.reason as ErrorReason, status.message, info.metadata, cause ? { cause } : undefined);
}

function fromCode(code: number | undefined, message: string, cause?: unknown): DomainError {
  const options = cause ? { cause } : undefined;
  if (code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED) {
    return new DomainError('UNAVAILABLE', `service unavailable: ${message}`, {}, options);
  }
  return new DomainError('INTERNAL', message || 'internal error', {}, options);
}

// Who is calling a gRPC method, from the client certificate, and whether that caller may call it.
// With mutual TLS each rtcroom service presents a certificate whose subject CN is its role
// (gateway, room, presence, url-issuer); business systems and operators present `internal` or
// `internal-<name>`. Every method declares the roles it admits (bindService); startGrpcServer checks
// unary calls and the mux server checks each call on a stream, before the handler runs; the handler
// finds its caller in the call's CallContext.
import type { PeerCertificate } from 'node:tls';
import { DomainError } from '../errors';
import type { CallContext } from './call-context';

/** The roles a method can admit. `internal` admits every `internal-<name>` certificate too. */
export type CallerRole = 'gateway' | 'room' | 'presence' | 'url-issuer' | 'internal';
export const callerRoles: readonly CallerRole[] = ['gateway', 'room', 'presence', 'url-issuer', 'internal'];

/** A certificate's subject CN that names a caller: a role, or internal-<name> (letters, digits, - and _). */
export const callerNamePattern = /^(gateway|room|presence|url-issuer|internal|internal-[A-Za-z0-9_-]{1,48})$/;

export interface Caller {
  /** A CallerRole; `any` when TLS is off (every caller trusted); the certificate's CN when it names no role. */
  role: CallerRole | 'any' | string;
  /** The certificate's subject CN (internal-billing), when there is one. */
  name?: string;
  /** True when the caller presented a certificate that chains to the configured CA. */
  verified: boolean;
}

/** What callerOf answers when TLS is off: the embedded / development mode trusts every caller. */
export const trustedCaller: Caller = Object.freeze({ role: 'any', verified: false });

/**
 * The caller of the call a handler is running (its CallContext, the handler's second argument), unary
 * or muxed alike. With TLS off: { role: 'any', verified: false }.
 */
export function callerOf(call: CallContext): Caller {
  return call.caller;
}

interface AuthContextCall {
  getAuthContext?(): { sslPeerCertificate?: PeerCertificate } | null;
}

/**
 * Who made this call. grpc-js gives the peer certificate only when the TLS socket is `authorized`,
 * i.e. the certificate chains to our CA: none, or an untrusted one, gives undefined.
 */
export function identifyCaller(call: object, tls: boolean): Caller | undefined {
  if (!tls) return trustedCaller;
  const cert = (call as AuthContextCall).getAuthContext?.()?.sslPeerCertificate;
  const cn = cert?.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  return callerNamed(name);
}

/** The caller a trusted certificate with this subject CN names. */
export function callerNamed(name: string): Caller {
  const role = name === 'internal' || name.startsWith('internal-') ? 'internal' : name;
  return { role: callerNamePattern.test(name) ? role : name, name, verified: true };
}

/**
 * Undefined when the caller may call the method, else the error to answer with: UNAUTHENTICATED
 * without a trusted certificate, PERMISSION_DENIED for a role the method does not admit.
 */
export function refusal(caller: Caller | undefined, admitted: readonly CallerRole[] | undefined, method: string): DomainError | undefined {
  if (!caller) {
    return new DomainError('UNAUTHENTICATED', `${method} needs a client certificate issued by rtcroom's CA`, { method });
  }
  if (caller.role === 'any') return undefined;
  if (admitted?.includes(caller.role as CallerRole)) return undefined;
  return new DomainError('PERMISSION_DENIED', `caller "${caller.name ?? caller.role}" may not call ${method}`, { method, caller: caller.name ?? caller.role });
}

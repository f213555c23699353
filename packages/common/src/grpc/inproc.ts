// Calls between services that share a process (`npm start`, startAll), made in-process: the client's
// createClient finds the server registered at the address it calls in an InProcessHub and runs the
// handler directly, with no HTTP/2, framing or protobuf on the way. What a call means stays what it
// means over the wire: the handler gets a CallContext with the caller (the role in the client's
// certificate, as mutual TLS gives it; every caller trusted when the server has TLS off), the
// metadata (request id, traceparent), the deadline and cancellation; each method's Callers
// allow-list is checked; an error reaches the caller as the same DomainError (through the same
// google.rpc.Status); the metrics see the call with transport `inproc`, tracing spans it alike.
// Request and response go through their protobuf encoding (encode, then decode): neither side can
// change what the other holds, and what arrives is what the wire would deliver (unknown fields
// dropped, defaults filled in, a message that does not encode fails alike). Measured, that costs no
// more than a structuredClone (bench/results/inproc.md). A hub is made by whoever starts the services together and handed to each: the multi-process
// deployment never has one, and a client whose address is not in its hub calls over the network.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { pooledDefinition } from '@rtcroom/proto';
import type { GrpcTlsConfig } from '../config';
import { DomainError } from '../errors';
import { Logger } from '../logger';
import type { GrpcMetrics } from '../metrics/grpc-metrics';
import { ServerCallContext } from './call-context';
import { Caller, CallerRole, callerNamed, refusal, trustedCaller } from './caller';
import { DeadlineSweep } from './deadline-sweep';
import type { ServiceBinding } from './server';
import { fromStatus, toStatus } from './status';

interface Method {
  name: string;
  errorDomain: string;
  handler: ServiceBinding['handlers'][string];
  callers: readonly CallerRole[] | undefined;
  /** The request as the wire would deliver it. */
  copyRequest: (request: unknown) => unknown;
  /** The response as the wire would deliver it. */
  copyResponse: (response: unknown) => unknown;
}

/** What the caller passes along with a call (createClient's CallOptions, resolved). */
export interface InProcessCallOptions {
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

/** The servers of one process, by the address each serves (host:port, as the clients are given it). */
export class InProcessHub {
  private readonly servers = new Map<string, InProcessServer>();

  /** The server at `address`, if one in this process serves it now. */
  route(address: string): InProcessServer | undefined {
    return this.servers.get(address);
  }

  /** Serves the bindings (already traced) at `address` to this hub's clients, until the server's drain. */
  serve(address: string, services: ServiceBinding[], logger: Logger, tls: boolean, metrics?: GrpcMetrics): InProcessServer {
    const server = new InProcessServer(services, logger, tls, metrics, () => {
      if (this.servers.get(address) === server) this.servers.delete(address);
    });
    this.servers.set(address, server);
    return server;
  }
}

class PendingCall extends ServerCallContext {
  settled = false;

  constructor(
    metadata: Record<string, string>,
    caller: Caller,
    deadlineAt: number,
    rpc: string,
    serviceLog: Logger,
    readonly fail: (err: unknown, code: grpc.status, reason: string) => void,
  ) {
    super(metadata, caller, deadlineAt, rpc, serviceLog);
  }
}

export class InProcessServer {
  private readonly methods = new Map<string, Method>();
  private readonly pending = new Set<PendingCall>();
  private readonly deadlines = new DeadlineSweep((now) => this.expireDue(now));
  private draining = false;
  private idle: (() => void) | undefined;

  constructor(
    services: ServiceBinding[],
    private readonly logger: Logger,
    private readonly tls: boolean,
    private readonly metrics: GrpcMetrics | undefined,
    private readonly unregister: () => void,
  ) {
    for (const svc of services) {
      for (const [name, handler] of Object.entries(svc.handlers)) {
        const def = pooledDefinition(svc.definition)[name]!;
        const d = def as typeof def & { requestSerialize: (v: unknown) => Buffer; responseDeserialize: (b: Buffer) => unknown };
        this.methods.set(def.path, {
          name: def.path.slice(1),
          errorDomain: svc.errorDomain,
          handler,
          callers: svc.callers[name],
          copyRequest: (request) => d.requestDeserialize(d.requestSerialize(request)),
          copyResponse: (response) => d.responseDeserialize(def.responseSerialize(response)),
        });
      }
    }
  }

  /**
   * One call, as the network would carry it: resolves with (a copy of) the handler's response, or
   * rejects with the DomainError the caller would get over gRPC. `caller` is who the client's
   * certificate names (undefined: it has none).
   */
  call(path: string, request: unknown, timeoutMs: number, options: InProcessCallOptions, caller: Caller | undefined): Promise<unknown> {
    const method = this.methods.get(path);
    if (!method) return Promise.reject(fromStatus({ code: grpc.status.UNIMPLEMENTED, message: `unknown method ${path}`, details: [] }));
    const name = method.name;
    let copied: unknown;
    try {
      copied = method.copyRequest(request);
    } catch (err) {
      return Promise.reject(new DomainError('INTERNAL', `could not serialize the request: ${(err as Error).message}`, {}, { cause: err }));
    }
    const observed = this.metrics?.server.start(name, 'inproc');
    const failNow = (err: DomainError, domain: string) => {
      const status = toStatus(err, domain);
      observed?.(status.code);
      return Promise.reject(fromStatus(status));
    };
    if (this.draining) return failNow(new DomainError('UNAVAILABLE', 'the server is shutting down'), 'rtcroom.mux');
    const seenAs = this.tls ? caller : trustedCaller;
    const refused = refusal(seenAs, method.callers, name);
    if (refused) {
      this.logger.warn('call refused', { method: name, reason: refused.reason, caller: seenAs?.name, peer: 'in-process' });
      return failNow(refused, method.errorDomain);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const metadata = { ...options.metadata };
      let onAbort: (() => void) | undefined;
      const settle = (code: grpc.status): boolean => {
        if (call.settled) return false;
        call.settled = true;
        this.pending.delete(call);
        if (onAbort) signal!.removeEventListener('abort', onAbort);
        observed?.(code);
        return true;
      };
      const call: PendingCall = new PendingCall(metadata, seenAs!, performance.now() + timeoutMs, name, this.logger, (err, code, reason) => {
        if (!settle(code)) return;
        call.cancel(reason);
        reject(err);
        this.checkIdle();
      });
      this.pending.add(call);
      this.deadlines.watch(call.deadlineAt);
      if (signal) {
        onAbort = () => call.fail(signal.reason, grpc.status.CANCELLED, 'cancelled by the caller');
        signal.addEventListener('abort', onAbort, { once: true });
      }
      let running: Promise<unknown>;
      try {
        running = method.handler(copied, call);
      } catch (err) {
        running = Promise.reject(err);
      }
      running.then(
        (response) => {
          if (call.settled) return this.checkIdle();
          let out: unknown;
          try {
            out = method.copyResponse(response);
          } catch (err) {
            return this.failed(call, method, err, settle, reject); // as a response that does not serialize fails a unary call
          }
          settle(grpc.status.OK);
          resolve(out);
          this.checkIdle();
        },
        (err: unknown) => this.failed(call, method, err ?? new Error('rejected without a reason'), settle, reject),
      );
    });
  }

  /**
   * No new calls (UNAVAILABLE, as a draining server answers); resolves once the calls in flight are
   * answered, then the address leaves the hub (a later call goes to the network and finds it closed).
   */
  drain(): Promise<void> {
    this.draining = true;
    return new Promise<void>((resolve) => {
      this.idle = () => {
        this.deadlines.stop();
        this.unregister();
        resolve();
      };
      this.checkIdle();
    });
  }

  /** The drain's grace ran out: the calls still running fail as a killed connection's would. */
  close(): void {
    this.draining = true;
    for (const call of [...this.pending]) call.fail(new DomainError('UNAVAILABLE', 'service unavailable: the server stopped'), grpc.status.UNAVAILABLE, 'the server stopped');
    this.deadlines.stop();
    this.unregister();
  }

  private failed(call: PendingCall, method: Method, err: unknown, settle: (code: grpc.status) => boolean, reject: (err: unknown) => void): void {
    const status = toStatus(err, method.errorDomain);
    if (status.code === grpc.status.INTERNAL) call.log.error('rpc failed', { method: method.name, err });
    if (settle(status.code)) reject(fromStatus(status));
    this.checkIdle();
  }

  private expireDue(now: number): number {
    let next = Infinity;
    for (const call of [...this.pending]) {
      if (call.deadlineAt <= now) call.fail(new DomainError('UNAVAILABLE', 'service unavailable: Deadline exceeded'), grpc.status.DEADLINE_EXCEEDED, 'deadline exceeded');
      else if (call.deadlineAt < next) next = call.deadlineAt;
    }
    return next;
  }

  private checkIdle(): void {
    if (this.idle && this.pending.size === 0) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
  }
}

/**
 * Who a client is to an in-process server: the subject CN of its certificate, as mutual TLS would
 * tell the server (read once); undefined without a certificate.
 */
export function certificateCaller(tls: GrpcTlsConfig | undefined): Caller | undefined {
  if (!tls?.certFile) return undefined;
  const subject = new X509Certificate(readFileSync(tls.certFile)).subject;
  const cn = subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3);
  return cn ? callerNamed(cn) : undefined;
}

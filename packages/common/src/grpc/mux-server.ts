// The server end of rtcroom.mux.v1.MuxService: unary calls arriving as messages on one stream, handed
// to the same handlers as the unary methods and answered with the same messages and statuses. Calls
// run concurrently and are answered as they finish. On shutdown, each stream answers what it holds
// and then ends, so a graceful stop is not held up by streams that would otherwise stay open.
// Each call is checked against its method's admitted callers, as a unary call is (startGrpcServer):
// the stream's client certificate names the caller of every call on it.
import * as grpc from '@grpc/grpc-js';
import { muxv1 } from '@rtcroom/proto';
import { DomainError } from '../errors';
import { Logger } from '../logger';
import { CallerRole, identifyCaller, refusal, rememberCaller } from './caller';
import type { ServiceBinding } from './server';
import { toStatus } from './status';

type Exchange = grpc.ServerDuplexStream<muxv1.ExchangeRequest, muxv1.ExchangeResponse>;

interface Method {
  name: string;
  errorDomain: string;
  decode: (body: Buffer) => unknown;
  encode: (response: unknown) => Buffer;
  handler: ServiceBinding['handlers'][string];
  callers: readonly CallerRole[] | undefined;
}

export interface MuxServer {
  definition: typeof muxv1.MuxServiceService;
  implementation: grpc.UntypedServiceImplementation;
  /** Stops taking calls: every stream ends once its calls in flight are answered. */
  drain(): void;
}

export function muxServer(services: ServiceBinding[], logger: Logger, tls = false): MuxServer {
  const methods = new Map<string, Method>();
  for (const svc of services) {
    for (const [name, handler] of Object.entries(svc.handlers)) {
      const def = svc.definition[name]!;
      methods.set(def.path, { name: def.path.slice(1), errorDomain: svc.errorDomain, decode: def.requestDeserialize, encode: def.responseSerialize, handler, callers: svc.callers[name] });
    }
  }
  const open = new Set<() => void>();
  let draining = false;

  function exchange(call: Exchange): void {
    let inFlight = 0;
    let inputEnded = false;
    let closed = false;
    // Handlers read the caller of a muxed call from the stream (callerOf(call)).
    const caller = identifyCaller(call, tls);
    if (caller) rememberCaller(call, caller);
    const send = (response: muxv1.ExchangeResponse) => {
      if (!closed) call.write(response);
    };
    const endIfIdle = () => {
      if (closed || inFlight > 0 || !(inputEnded || draining)) return;
      closed = true;
      open.delete(endIfIdle);
      call.end();
    };
    const fail = (callId: number, err: unknown, domain: string) => send({ callId, result: { $case: 'status', value: toStatus(err, domain) } });
    open.add(endIfIdle);
    call.on('data', (req: muxv1.ExchangeRequest) => {
      const method = methods.get(req.method);
      if (draining) return fail(req.callId, new DomainError('UNAVAILABLE', 'the server is shutting down'), 'rtcroom.mux');
      if (!method) return send({ callId: req.callId, result: { $case: 'status', value: { code: grpc.status.UNIMPLEMENTED, message: `unknown method ${req.method}`, details: [] } } });
      const refused = refusal(caller, method.callers, method.name);
      if (refused) {
        logger.warn('call refused', { method: method.name, reason: refused.reason, caller: caller?.name, peer: call.getPeer() });
        return fail(req.callId, refused, method.errorDomain);
      }
      let request: unknown;
      try {
        request = method.decode(req.body);
      } catch {
        return fail(req.callId, new DomainError('INVALID_ARGUMENT', `the request body is not a ${method.name} request`), method.errorDomain);
      }
      inFlight++;
      method
        .handler(request, call as unknown as grpc.ServerUnaryCall<unknown, unknown>)
        .then(
          (response) => send({ callId: req.callId, result: { $case: 'body', value: method.encode(response) } }),
          (err: unknown) => {
            const status = toStatus(err, method.errorDomain);
            // Logged on the same rule as a unary call's failure (startGrpcServer).
            if (status.code === grpc.status.INTERNAL) logger.error('rpc failed', { method: method.name, err });
            send({ callId: req.callId, result: { $case: 'status', value: status } });
          },
        )
        .finally(() => {
          inFlight--;
          endIfIdle();
        });
    });
    call.on('end', () => {
      inputEnded = true;
      endIfIdle();
    });
    // The client went away: nothing left to answer.
    const gone = () => {
      closed = true;
      open.delete(endIfIdle);
    };
    call.on('error', gone);
    call.on('cancelled', gone);
  }

  return {
    definition: muxv1.MuxServiceService,
    implementation: { exchange },
    drain() {
      draining = true;
      for (const endIfIdle of [...open]) endIfIdle();
    },
  };
}

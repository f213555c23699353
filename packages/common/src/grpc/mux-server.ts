// The server end of rtcroom.mux.v1.MuxService: unary calls arriving as messages on one stream, handed
// to the same handlers as the unary methods and answered with the same messages and statuses. Calls
// run concurrently and are answered as they finish. As a unary call, each has its deadline (answered
// DEADLINE_EXCEEDED when it passes), its metadata and its cancellation (deadline, a cancel message, the
// stream ending), all in the CallContext its handler gets. A stream holds at most maxInFlight calls
// (handlers running and answers not yet sent: an HTTP/2 stream also counts until its answer is out;
// RESOURCE_EXHAUSTED past it), and stops reading while its answers are not being read. A caller that
// floods it or stops reading costs it at most the cap's worth of answers, plus refusals for what
// flow control let through before it stopped reading, not a buffer without end.
// On shutdown, each stream answers what it holds and then ends, so a graceful stop is not held up.
// Each call is checked against its method's admitted callers, as a unary call is (startGrpcServer):
// the stream's client certificate names the caller of every call on it.
import * as grpc from '@grpc/grpc-js';
import { muxv1, pooledDefinition } from '@rtcroom/proto';
import { GrpcMuxLimits, loadGrpcMuxLimits } from '../config';
import { DomainError } from '../errors';
import { Logger } from '../logger';
import { ServerCallContext } from './call-context';
import type { GrpcMetrics } from '../metrics/grpc-metrics';
import { Caller, CallerRole, identifyCaller, refusal } from './caller';
import { DeadlineSweep } from './deadline-sweep';
import type { ServiceBinding } from './server';
import { toStatus } from './status';

type Exchange = grpc.ServerDuplexStream<muxv1.ExchangeRequest, muxv1.ExchangeResponse>;
type Result = muxv1.ExchangeResponse['result'];

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

/** RTCROOM_GRPC_MUX_MAX_IN_FLIGHT and RTCROOM_GRPC_MUX_DEFAULT_DEADLINE_MS at their defaults. */
export const defaultMuxLimits: GrpcMuxLimits = loadGrpcMuxLimits({});

/** What every stream of one server shares. */
interface MuxShared {
  methods: Map<string, Method>;
  logger: Logger;
  tls: boolean;
  limits: GrpcMuxLimits;
  deadlines: DeadlineSweep;
  streams: Set<MuxStream>;
  draining: boolean;
  metrics: GrpcMetrics | undefined;
}

export function muxServer(services: ServiceBinding[], logger: Logger, tls = false, limits: GrpcMuxLimits = defaultMuxLimits, metrics?: GrpcMetrics): MuxServer {
  const methods = new Map<string, Method>();
  for (const svc of services) {
    for (const [name, handler] of Object.entries(svc.handlers)) {
      const def = pooledDefinition(svc.definition)[name]!;
      methods.set(def.path, { name: def.path.slice(1), errorDomain: svc.errorDomain, decode: def.requestDeserialize, encode: def.responseSerialize, handler, callers: svc.callers[name] });
    }
  }
  const streams = new Set<MuxStream>();
  // One timer for every call on every stream: it looks through the calls awaiting an answer.
  const deadlines = new DeadlineSweep((now) => {
    let next = Infinity;
    for (const stream of streams) next = Math.min(next, stream.expireDue(now));
    return next;
  });
  const shared: MuxShared = { methods, logger, tls, limits, deadlines, streams, draining: false, metrics };
  return {
    definition: pooledDefinition(muxv1.MuxServiceService),
    implementation: { exchange: (call: Exchange) => new MuxStream(call, shared) },
    drain() {
      shared.draining = true;
      for (const stream of [...shared.streams]) stream.endIfIdle();
    },
  };
}

/** A call on a stream: its handler's context, and what the stream needs to answer it once. */
class MuxCall extends ServerCallContext {
  answered = false;
  /** Ends the call's duration metric with its status code. */
  observed: ((code: grpc.status) => void) | undefined;

  constructor(
    readonly callId: number,
    metadata: Record<string, string>,
    caller: Caller,
    deadlineAt: number,
    rpc: string,
    serviceLog: Logger,
  ) {
    super(metadata, caller, deadlineAt, rpc, serviceLog);
  }
}

const deadlineExceeded: Result = { $case: 'status', value: { code: grpc.status.DEADLINE_EXCEEDED, message: 'Deadline exceeded', details: [] } };

class MuxStream {
  private readonly caller: Caller | undefined;
  /** Calls not answered yet, by call_id (a cancel message names one). */
  private readonly unanswered = new Map<number, MuxCall>();
  /** Handlers not finished yet, answered or not: with the answers not yet sent, what the cap bounds. */
  private running = 0;
  private inputEnded = false;
  private closed = false;
  private paused = false;
  private warnedFull = false;

  constructor(
    private readonly call: Exchange,
    private readonly shared: MuxShared,
  ) {
    this.caller = identifyCaller(call, shared.tls);
    shared.streams.add(this);
    call.on('data', (req: muxv1.ExchangeRequest) => this.receive(req));
    call.on('end', () => {
      this.inputEnded = true;
      this.endIfIdle();
    });
    // Back-pressure: reading resumes once the answers written meanwhile have gone out.
    call.on('drain', () => {
      if (!this.paused) return;
      this.paused = false;
      call.resume();
    });
    call.on('error', () => this.gone('the stream failed'));
    call.on('cancelled', () => this.gone('the caller went away'));
  }

  /** Ends the stream once nothing is left to answer and no more calls will come (input ended or draining). */
  endIfIdle(): void {
    if (this.closed || this.unanswered.size > 0 || !(this.inputEnded || this.shared.draining)) return;
    this.closed = true;
    this.shared.streams.delete(this);
    this.call.end();
  }

  /** For the deadline sweep: answers DEADLINE_EXCEEDED to what is due; returns the next deadline. */
  expireDue(now: number): number {
    let next = Infinity;
    for (const call of this.unanswered.values()) {
      if (call.deadlineAt <= now) {
        this.answer(call, deadlineExceeded);
        call.cancel('deadline exceeded');
      } else if (call.deadlineAt < next) {
        next = call.deadlineAt;
      }
    }
    this.endIfIdle();
    return next;
  }

  private receive(req: muxv1.ExchangeRequest): void {
    if (req.cancel) return this.cancelledByCaller(req.callId);
    const { shared } = this;
    if (shared.draining) return this.fail(req.callId, new DomainError('UNAVAILABLE', 'the server is shutting down'), 'rtcroom.mux');
    const method = shared.methods.get(req.method);
    if (!method) return this.send(req.callId, { $case: 'status', value: { code: grpc.status.UNIMPLEMENTED, message: `unknown method ${req.method}`, details: [] } });
    const refused = refusal(this.caller, method.callers, method.name);
    if (refused) {
      shared.logger.warn('call refused', { method: method.name, reason: refused.reason, caller: this.caller?.name, peer: this.call.getPeer() });
      return this.fail(req.callId, refused, method.errorDomain);
    }
    // Answers written but not yet taken by the caller count too: a burst of requests read before the
    // stream filled up must not become a heap of answers for a caller that reads none.
    if (this.running + this.call.writableLength >= shared.limits.maxInFlight) return this.refuseOverCap(req.callId);
    let request: unknown;
    try {
      request = method.decode(req.body);
    } catch {
      return this.fail(req.callId, new DomainError('INVALID_ARGUMENT', `the request body is not a ${method.name} request`), method.errorDomain);
    }
    const call = new MuxCall(req.callId, req.metadata, this.caller!, performance.now() + (req.timeoutMs || shared.limits.defaultDeadlineMs), method.name, shared.logger);
    call.observed = shared.metrics?.server.start(method.name, 'mux');
    this.unanswered.set(req.callId, call);
    shared.deadlines.watch(call.deadlineAt);
    this.running++;
    let pending: Promise<unknown>;
    try {
      pending = method.handler(request, call);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (response) => this.finished(call, method, response, undefined),
      (err: unknown) => this.finished(call, method, undefined, err ?? new Error('rejected without a reason')),
    );
  }

  private finished(call: MuxCall, method: Method, response: unknown, err: unknown): void {
    this.running--;
    if (!call.answered) {
      let result: Result;
      try {
        result = err === undefined ? { $case: 'body', value: method.encode(response) } : undefined;
      } catch (encodeErr) {
        err = encodeErr; // a response that does not serialize fails the call, as a unary call's does
      }
      if (err !== undefined) {
        const status = toStatus(err, method.errorDomain);
        // Logged on the same rule as a unary call's failure (startGrpcServer).
        if (status.code === grpc.status.INTERNAL) call.log.error('rpc failed', { method: method.name, err });
        result = { $case: 'status', value: status };
      }
      this.answer(call, result!);
    }
    this.endIfIdle();
  }

  private cancelledByCaller(callId: number): void {
    const call = this.unanswered.get(callId);
    if (!call) return; // answered already, or never here
    this.forget(call);
    call.cancel('cancelled by the caller');
    this.endIfIdle();
  }

  /** The client went away: nothing left to answer; the handlers still running are cancelled. */
  private gone(reason: string): void {
    if (this.closed && this.unanswered.size === 0) return;
    this.closed = true;
    this.shared.streams.delete(this);
    for (const call of [...this.unanswered.values()]) {
      this.forget(call);
      call.cancel(reason);
    }
  }

  private refuseOverCap(callId: number): void {
    const { maxInFlight } = this.shared.limits;
    if (!this.warnedFull) {
      this.warnedFull = true; // once per stream: a flood must not become a flood of logs
      this.shared.logger.warn('mux stream at its cap of calls in flight: refusing calls (RTCROOM_GRPC_MUX_MAX_IN_FLIGHT)', { maxInFlight, caller: this.caller?.name, peer: this.call.getPeer() });
    }
    this.fail(callId, new DomainError('RATE_LIMITED', `more than ${maxInFlight} calls in flight on this connection`, { maxInFlight: String(maxInFlight) }), 'rtcroom.mux');
  }

  private answer(call: MuxCall, result: Result): void {
    call.observed?.(result?.$case === 'status' ? result.value.code : grpc.status.OK);
    this.forget(call);
    this.send(call.callId, result);
  }

  private forget(call: MuxCall): void {
    call.answered = true;
    if (this.unanswered.get(call.callId) === call) this.unanswered.delete(call.callId);
  }

  private fail(callId: number, err: unknown, domain: string): void {
    this.send(callId, { $case: 'status', value: toStatus(err, domain) });
  }

  private send(callId: number, result: Result): void {
    if (this.closed) return;
    // A full stream (the client reads slower than calls are answered): stop reading calls until it drains.
    if (!this.call.write({ callId, result }) && !this.paused) {
      this.paused = true;
      this.call.pause();
    }
  }
}

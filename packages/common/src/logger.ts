// The services' logger: pino underneath, one JSON object per line on stderr, written asynchronously
// (flushed on exit). Every line carries the service and, when an OpenTelemetry SDK is set up, the
// active trace and span. The ids of the request a line serves come from the logger it is written
// with: a gRPC handler's `call.log`, a gateway connection's and frame's loggers (children made with
// the ids). Not from AsyncLocalStorage: in Node 20 it runs a hook on every promise of the process,
// 5.5% of the services' CPU (bench/results/hotpath.md, session 14). Secrets never reach the line:
// fields named like tokens, signatures, secrets, passwords or authorization headers are redacted at
// any depth, and so are signatures in URL query strings, bearer tokens, JWTs and URL passwords inside
// any string, the message included. Circular objects print as '[Circular]'.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
/** The values LOG_LEVEL may take (read by envLogLevel). */
export const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * A logger whose every line carries `fields` too (e.g. a request's ids). Made on its first line, so
   * a request that logs nothing pays for none.
   */
  child(fields: Record<string, unknown>): Logger;
}

const none: Record<string, string> = {};

function mixin(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !isSpanContextValid(span)) return none;
  return { traceId: span.traceId, spanId: span.spanId };
}

// One asynchronous stderr writer for the process, however many loggers (startAll makes one per
// service); pino flushes it synchronously when the process exits.
let stderr: pino.DestinationStream | undefined;
const sharedStderr = () => (stderr ??= pino.destination({ dest: 2, sync: false }));

/**
 * A logger with `base` fields on every line. `write`, when given, receives each line (without its
 * newline) synchronously instead of stderr: for tests.
 */
export function createLogger(base: Record<string, unknown>, level: LogLevel = 'info', write?: (line: string) => void): Logger {
  const destination: pino.DestinationStream = write ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) } : sharedStderr();
  const root = pino(
    {
      level,
      base: redact(base) as Record<string, unknown>,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin,
      // Errors are spelled out by redact() already (cycles cut, secrets out); pino's own would redo it.
      serializers: { err: (err: unknown) => err },
    },
    destination,
  );
  return wrap(root);
}

function wrap(p: pino.Logger): Logger {
  const emit = (level: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (!p.isLevelEnabled(level)) return;
    if (fields === undefined) p[level](redactString(String(msg)));
    else p[level](redact(fields) as object, redactString(String(msg)));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => new LazyChild(p, fields),
  };
}

/** A child logger made on first use: pino's child serializes its fields when made. */
class LazyChild implements Logger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: pino.Logger,
    private readonly fields: Record<string, unknown>,
  ) {}

  debug(msg: string, fields?: Record<string, unknown>): void {
    if (this.parent.isLevelEnabled('debug')) this.logger().debug(msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    if (this.parent.isLevelEnabled('info')) this.logger().info(msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    if (this.parent.isLevelEnabled('warn')) this.logger().warn(msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    if (this.parent.isLevelEnabled('error')) this.logger().error(msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return this.made ? this.made.child(fields) : new LazyChild(this.parent, { ...this.fields, ...fields });
  }

  private logger(): Logger {
    return (this.made ??= wrap(this.parent.child(redact(this.fields) as pino.Bindings)));
  }
}

// --- Redaction -----------------------------------------------------------------------------------

const REDACTED = '[Redacted]';
const maxDepth = 12;

/** Field names whose string or object values are secrets (numbers and booleans pass: tokenTtlSeconds). */
const secretKey = /pass(word|wd|phrase)?$|secret|token|signature|^sig$|^sign$|authorization|cookie|api[-_]?key|private[-_]?key|credential/i;

/** Query parameters that sign or authorize a URL (Tencent's txSecret, Aliyun's auth_key, S3, GCS, ...). */
const secretQuery =
  /([?&;](?:txSecret|sign|sig|signature|token|access_token|resume_token|auth_key|authkey|key|secret|password|x-amz-signature|x-amz-security-token|x-goog-signature)=)[^&#\s"'<>]*/gi;
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const jwt = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+/g;
const urlPassword = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

/** `text` with signatures, tokens and URL passwords replaced by [Redacted]. */
export function redactString(text: string): string {
  if (text.length < 8) return text;
  return text.replace(secretQuery, `$1${REDACTED}`).replace(bearer, `$1 ${REDACTED}`).replace(jwt, REDACTED).replace(urlPassword, `$1${REDACTED}@`);
}

/** A copy of `value` fit for a log line: secrets redacted, errors spelled out, cycles cut. */
export function redact(value: unknown): unknown {
  return scrub(value, [], 0);
}

function scrub(value: unknown, ancestors: object[], depth: number): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.includes(value)) return '[Circular]';
  if (depth >= maxDepth) return '[Too deep]';
  if (value instanceof Error) {
    ancestors.push(value);
    try {
      return scrub(errorFields(value), ancestors, depth);
    } finally {
      ancestors.pop();
    }
  }
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    try {
      return scrub(toJSON.call(value), ancestors, depth); // Date, URL, Long, ...
    } catch {
      return '[Unserializable]';
    }
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return value.map((v) => scrub(v, ancestors, depth + 1));
    if (value instanceof Map) return scrub(Object.fromEntries(value), ancestors, depth);
    if (value instanceof Set) return scrub([...value], ancestors, depth);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = secretKey.test(k) && (typeof v === 'string' || (typeof v === 'object' && v !== null)) ? REDACTED : scrub(v, ancestors, depth + 1);
    }
    return out;
  } finally {
    ancestors.pop();
  }
}

function errorFields(err: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  for (const [k, v] of Object.entries(err)) if (!(k in fields)) fields[k] = v; // code, reason, details, ...
  if (err.cause !== undefined) fields.cause = err.cause;
  return fields;
}

// Reading configuration from the environment: each service's config.ts calls these once at start, and
// a bad value fails the start with an error that names the variable.
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AccessTokenKeys, defaultTokenAudience, defaultTokenIssuer, kidPattern } from './access-token';
import { LogLevel, logLevels } from './logger';
import { isPublishedSecret } from './published-secrets';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`configuration: ${variable} ${problem}`, options);
    this.name = 'ConfigError';
  }
}

export function envString(env: Env, name: string, fallback?: string): string {
  const value = env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(name, 'is required');
}

export function envOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function envInt(env: Env, name: string, fallback: number, range?: { min?: number; max?: number }): number {
  const raw = envOptional(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (range?.min !== undefined && value < range.min) throw new ConfigError(name, `must be at least ${range.min}`);
  if (range?.max !== undefined && value > range.max) throw new ConfigError(name, `must be at most ${range.max}`);
  return value;
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = envOptional(env, name);
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

export function envOneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = envOptional(env, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** LOG_LEVEL, the same in every service: debug, info (the default), warn, error or silent; anything else stops the start. */
export function envLogLevel(env: Env): LogLevel {
  return envOneOf(env, 'LOG_LEVEL', logLevels, 'info');
}

/** A host:port address to listen on or dial. */
export function envAddress(env: Env, name: string, fallback: string): string {
  const value = envString(env, name, fallback);
  if (!/^[^\s:]+:\d{1,5}$/.test(value)) throw new ConfigError(name, `must be host:port, got "${value}"`);
  return value;
}

/**
 * Where a service serves /metrics (host:port; port 0 picks one), or `off` for no metrics listener.
 * Its own port, never the gateway's public one nor the url-issuer's callback port.
 */
export function envMetricsAddress(env: Env, name: string, fallback: string): string | undefined {
  if (envOptional(env, name) === 'off') return undefined;
  return envAddress(env, name, fallback);
}

/** RTCROOM_DEV=true: development mode (built-in secrets, embedded store and bus, gRPC without TLS). */
export function isDevMode(env: Env): boolean {
  return envBool(env, 'RTCROOM_DEV', false);
}

const generateHint = 'generate one with `openssl rand -hex 32`';

/**
 * A signing or derivation key. In development the built-in default may stand in and 16 characters
 * do; otherwise it is required, 32 bytes or more, and not a value published in the repository.
 */
export function envSecret(env: Env, name: string, devDefault?: string): string {
  const dev = isDevMode(env);
  const value = envOptional(env, name) ?? (dev ? devDefault : undefined);
  if (value === undefined) throw new ConfigError(name, `is required (${generateHint})`);
  return checkSecret(name, value, dev);
}

/** envSecret's rules for one value; `what` says which part of the variable it is (a key of a list). */
function checkSecret(name: string, value: string, dev: boolean, what = ''): string {
  if (dev) {
    if (value.length < 16) throw new ConfigError(name, `${what}must be at least 16 characters`);
    return value;
  }
  if (isPublishedSecret(value)) throw new ConfigError(name, `${what}is a value published in the rtcroom repository (a development default or an example); ${generateHint}`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < 32) throw new ConfigError(name, `${what}must be at least 32 bytes outside development (RTCROOM_DEV), got ${bytes}; ${generateHint}`);
  return value;
}

/**
 * The access token keys: ACCESS_TOKEN_KEYS (`kid:secret,kid:secret`, the first signs, all verify) or
 * ACCESS_TOKEN_SECRET (one key without a kid), not both; each secret under envSecret's rules. With
 * ACCESS_TOKEN_ISSUER and ACCESS_TOKEN_AUDIENCE (default rtcroom), what tokens must say in iss and aud.
 */
export function loadAccessTokenKeys(env: Env, devDefault?: string): AccessTokenKeys {
  const issuer = envString(env, 'ACCESS_TOKEN_ISSUER', defaultTokenIssuer);
  const audience = envString(env, 'ACCESS_TOKEN_AUDIENCE', defaultTokenAudience);
  const list = envOptional(env, 'ACCESS_TOKEN_KEYS');
  if (list === undefined) return { keys: [{ secret: envSecret(env, 'ACCESS_TOKEN_SECRET', devDefault) }], issuer, audience };
  if (envOptional(env, 'ACCESS_TOKEN_SECRET') !== undefined) {
    throw new ConfigError('ACCESS_TOKEN_KEYS', 'and ACCESS_TOKEN_SECRET are both set: set one (ACCESS_TOKEN_KEYS=kid:secret,... holds the single secret as one key too)');
  }
  const dev = isDevMode(env);
  const keys = list.split(',').map((entry, i) => {
    const colon = entry.indexOf(':');
    const kid = entry.slice(0, colon).trim();
    if (colon < 0 || !kidPattern.test(kid)) {
      throw new ConfigError('ACCESS_TOKEN_KEYS', `entry ${i + 1} must be kid:secret with a kid of 1-64 of A-Z a-z 0-9 _ . -`);
    }
    return { kid, secret: checkSecret('ACCESS_TOKEN_KEYS', entry.slice(colon + 1), dev, `key "${kid}" `) };
  });
  const seen = new Set<string>();
  for (const { kid } of keys) {
    if (seen.has(kid)) throw new ConfigError('ACCESS_TOKEN_KEYS', `lists key "${kid}" twice`);
    seen.add(kid);
  }
  return { keys, issuer, audience };
}

/** A key whose form a third party sets (Tencent's console): any length, but never a published value outside development. */
export function envThirdPartyKey(env: Env, name: string, required: boolean): string | undefined {
  const value = required ? envString(env, name) : envOptional(env, name);
  if (value !== undefined && !isDevMode(env) && isPublishedSecret(value)) {
    throw new ConfigError(name, 'is a value published in the rtcroom repository; use the key from your provider');
  }
  return value;
}

/**
 * DATABASE_URL or NATS_URL: outside development a service without it would quietly run on an
 * in-memory store or an in-process bus, so it is required unless RTCROOM_EMBEDDED=true asks for that.
 */
export function envServerUrl(env: Env, name: 'DATABASE_URL' | 'NATS_URL'): string | undefined {
  const value = envOptional(env, name);
  if (value !== undefined || isDevMode(env) || envBool(env, 'RTCROOM_EMBEDDED', false)) return value;
  const embedded = name === 'DATABASE_URL' ? 'an embedded PGlite store' : 'an in-process event bus (one-process start only)';
  throw new ConfigError(name, `is required outside development (RTCROOM_DEV); set RTCROOM_EMBEDDED=true to run on ${embedded} on purpose`);
}

/** Certificate files for mutual TLS between the services (PEM). */
export interface GrpcTlsConfig {
  /** The CA that signs every rtcroom certificate: peers must chain to it. */
  caFile: string;
  /** This process's certificate and key; a client without them can still reach health checks. */
  certFile?: string;
  keyFile?: string;
  /** How often the files are read again (default 60 s): rotation without restart. */
  refreshIntervalMs?: number;
}

export interface GrpcSecurity {
  /** Absent: plain gRPC, every caller trusted. */
  tls?: GrpcTlsConfig;
  /** TLS is off outside development because RTCROOM_GRPC_INSECURE=true asked for it: worth a warning. */
  insecure: boolean;
}

/**
 * GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY (all three or none). Outside development they are
 * required unless RTCROOM_GRPC_INSECURE=true (a service mesh doing mutual TLS itself). The files are
 * checked now: readable, PEM, the key matches the certificate, the certificate is issued to `role`
 * (subject CN) by the CA and not expired, so that a mistake stops the start rather than every call.
 */
export function loadGrpcSecurity(env: Env, role: string): GrpcSecurity {
  const names = ['GRPC_TLS_CA', 'GRPC_TLS_CERT', 'GRPC_TLS_KEY'] as const;
  const [caFile, certFile, keyFile] = names.map((n) => envOptional(env, n));
  const insecure = envBool(env, 'RTCROOM_GRPC_INSECURE', false);
  if (!caFile && !certFile && !keyFile) {
    if (isDevMode(env) || insecure) return { insecure: !isDevMode(env) };
    throw new ConfigError(
      'GRPC_TLS_CA',
      'is required outside development (RTCROOM_DEV), with GRPC_TLS_CERT and GRPC_TLS_KEY (`npm run certs` makes a development set); or set RTCROOM_GRPC_INSECURE=true when a service mesh does mutual TLS',
    );
  }
  names.forEach((n, i) => {
    if (![caFile, certFile, keyFile][i]) throw new ConfigError(n, `is required with ${names.filter((m) => m !== n).join(' and ')}`);
  });
  if (insecure) throw new ConfigError('RTCROOM_GRPC_INSECURE', 'contradicts GRPC_TLS_CA, GRPC_TLS_CERT and GRPC_TLS_KEY: set one or the other');
  checkTlsFiles(caFile!, certFile!, keyFile!, role);
  return { tls: { caFile: caFile!, certFile, keyFile }, insecure: false };
}

/** How a gRPC server's mux stream (rtcroom.mux.v1) bounds the calls each caller sends on it. */
export interface GrpcMuxLimits {
  /** Calls one stream may have running at once; past it a call is answered RESOURCE_EXHAUSTED (RATE_LIMITED). */
  maxInFlight: number;
  /** The deadline of a muxed call that carries none (timeout_ms 0, e.g. from an older client). */
  defaultDeadlineMs: number;
}

/**
 * RTCROOM_GRPC_MUX_MAX_IN_FLIGHT and RTCROOM_GRPC_MUX_DEFAULT_DEADLINE_MS. The default cap is above
 * any burst the bench makes (its full storm: 3,000 joins at once through one gateway), so that it
 * stops a runaway caller without refusing a crowd.
 */
export function loadGrpcMuxLimits(env: Env): GrpcMuxLimits {
  return {
    maxInFlight: envInt(env, 'RTCROOM_GRPC_MUX_MAX_IN_FLIGHT', 5000, { min: 1, max: 1_000_000 }),
    defaultDeadlineMs: envInt(env, 'RTCROOM_GRPC_MUX_DEFAULT_DEADLINE_MS', 30_000, { min: 100, max: 3_600_000 }),
  };
}

/** A command-line tool's TLS (e.g. `npm run desk` with the internal certificate): GRPC_TLS_CA, with GRPC_TLS_CERT and GRPC_TLS_KEY. */
export function loadGrpcClientTls(env: Env): GrpcTlsConfig | undefined {
  const [caFile, certFile, keyFile] = ['GRPC_TLS_CA', 'GRPC_TLS_CERT', 'GRPC_TLS_KEY'].map((n) => envOptional(env, n));
  if (!caFile && !certFile && !keyFile) return undefined;
  if (!caFile) throw new ConfigError('GRPC_TLS_CA', 'is required with GRPC_TLS_CERT and GRPC_TLS_KEY');
  if (!certFile !== !keyFile) throw new ConfigError(certFile ? 'GRPC_TLS_KEY' : 'GRPC_TLS_CERT', 'is required with the other (GRPC_TLS_CERT and GRPC_TLS_KEY go together)');
  return { caFile, certFile, keyFile };
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(variable, `cannot be read: ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

function certificates(variable: string, path: string): X509Certificate[] {
  const blocks = readPem(variable, path).toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  let cause: unknown;
  try {
    const certs = blocks.map((b) => new X509Certificate(b));
    if (certs.length > 0) return certs;
  } catch (err) {
    cause = err; // reported below
  }
  throw new ConfigError(variable, `is not a PEM certificate file: ${path}`, cause === undefined ? undefined : { cause });
}

function checkTlsFiles(caFile: string, certFile: string, keyFile: string, role: string): void {
  const cas = certificates('GRPC_TLS_CA', caFile);
  const [cert, ...chain] = certificates('GRPC_TLS_CERT', certFile);
  let key: KeyObject;
  try {
    key = createPrivateKey(readPem('GRPC_TLS_KEY', keyFile));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('GRPC_TLS_KEY', `is not a PEM private key: ${keyFile}`, { cause: err });
  }
  if (!cert.checkPrivateKey(key)) throw new ConfigError('GRPC_TLS_KEY', `is not the key of the certificate in GRPC_TLS_CERT (${certFile})`);
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  if (cn !== role) throw new ConfigError('GRPC_TLS_CERT', `is issued to "${cn ?? cert.subject}", but the ${role} service presents itself as CN=${role}`);
  if (Date.parse(cert.validTo) < Date.now()) throw new ConfigError('GRPC_TLS_CERT', `expired on ${cert.validTo}`);
  // With intermediates in the file the chain is the peer's to check; a lone certificate must be the CA's own.
  if (chain.length === 0 && !cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw new ConfigError('GRPC_TLS_CERT', `is not signed by the CA in GRPC_TLS_CA (${caFile})`);
  }
}

/** Tracing with OpenTelemetry (tracing/start-tracing.ts): off unless an OTLP endpoint is configured. */
export interface TracingConfig {
  /** Where spans go (OTLP over HTTP, the traces path included); absent: tracing is off and no SDK is loaded. */
  tracesUrl?: string;
  protocol: 'http/protobuf' | 'http/json';
  /** Extra headers on every export (an API key for a hosted collector). */
  headers: Record<string, string>;
  /** service.name; absent: the service's own name (room, gateway, ...). */
  serviceName?: string;
  sampler: (typeof traceSamplers)[number];
  /** The ratio of the traceidratio samplers, 0 to 1. */
  samplerRatio: number;
  /** How long finished spans wait to be exported in one batch. */
  exportDelayMs: number;
}

const traceSamplers = ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio', 'always_on', 'always_off', 'traceidratio'] as const;

/**
 * The standard OTEL_* variables rtcroom reads (the OpenTelemetry specification's names and meanings),
 * validated here like every other variable. OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is;
 * OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended. OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none turns tracing off whatever the endpoint.
 */
export function loadTracingConfig(env: Env): TracingConfig {
  const url = (name: string): string | undefined => {
    const raw = envOptional(env, name);
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be an http:// or https:// URL, got "${raw}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(name, `must be an http:// or https:// URL, got "${raw}"`);
    return raw;
  };
  const [tracesEndpoint, endpoint] = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'].map(url);
  const exporter = envOneOf(env, 'OTEL_TRACES_EXPORTER', ['otlp', 'none'] as const, 'otlp');
  const disabled = envBool(env, 'OTEL_SDK_DISABLED', false) || exporter === 'none';
  const ratioRaw = envOptional(env, 'OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = ratioRaw === undefined ? 1 : Number(ratioRaw);
  if (!(samplerRatio >= 0 && samplerRatio <= 1) || !/^\s*[\d.]+\s*$/.test(ratioRaw ?? '1')) {
    throw new ConfigError('OTEL_TRACES_SAMPLER_ARG', `must be a number from 0 to 1, got "${ratioRaw}"`);
  }
  return {
    tracesUrl: disabled ? undefined : (tracesEndpoint ?? (endpoint === undefined ? undefined : `${endpoint.replace(/\/+$/, '')}/v1/traces`)),
    protocol: envOneOf(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json'] as const, 'http/protobuf'),
    headers: otlpHeaders(envOptional(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
    serviceName: envOptional(env, 'OTEL_SERVICE_NAME'),
    sampler: envOneOf(env, 'OTEL_TRACES_SAMPLER', traceSamplers, 'parentbased_always_on'),
    samplerRatio,
    exportDelayMs: envInt(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, { min: 10, max: 600_000 }),
  };
}

/** `key1=value1,key2=value2`, values percent-encoded (the specification's format). */
function otlpHeaders(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    if (at <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
      throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'must be key=value pairs separated by commas');
    }
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new ConfigError('OTEL_EXPORTER_OTLP_HEADERS', `has a value that is not percent-encoded properly (header ${key})`);
    }
  }
  return out;
}

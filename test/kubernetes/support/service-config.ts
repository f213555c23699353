// What each service's code says a deployment must match: its configuration loader, the addresses it
// listens on and dials (by config field), the variables it takes as secrets, and the gRPC services it
// serves (what a readiness probe may name). Read from the sources, so a new variable, secret or
// service is covered as it is added.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Env } from '@rtcroom/common';
import { loadGatewayConfig } from '@rtcroom/gateway';
import { loadMediaBridgeConfig } from '@rtcroom/media-bridge';
import { loadPresenceConfig } from '@rtcroom/presence';
import { loadRoomConfig } from '@rtcroom/room';
import { loadUrlIssuerConfig } from '@rtcroom/url-issuer';
import { configFiles, configReads } from '../../support/config-reads';
import { ContainerEnvironment, root, ServiceName } from './manifests';

// Every service's config has these (GrpcSecurity, the log level); the rest is read per service.
interface AnyConfig {
  grpcSecurity: { tls?: unknown; insecure: boolean };
  natsUrl?: string;
  databaseUrl?: string;
  [field: string]: unknown;
}

export const loadConfig: Record<ServiceName, (env: Env) => AnyConfig> = {
  gateway: loadGatewayConfig as unknown as (env: Env) => AnyConfig,
  room: loadRoomConfig as unknown as (env: Env) => AnyConfig,
  presence: loadPresenceConfig as unknown as (env: Env) => AnyConfig,
  'url-issuer': loadUrlIssuerConfig as unknown as (env: Env) => AnyConfig,
  'media-bridge': loadMediaBridgeConfig as unknown as (env: Env) => AnyConfig,
};

/** Where each service listens, by the name of the container port that must carry it. */
export const listenFields: Record<ServiceName, Record<string, string>> = {
  gateway: { http: 'address', grpc: 'grpcAddress', metrics: 'metricsAddress' },
  room: { grpc: 'grpcAddress', metrics: 'metricsAddress' },
  presence: { grpc: 'grpcAddress', metrics: 'metricsAddress' },
  'url-issuer': { grpc: 'grpcAddress', http: 'httpAddress', metrics: 'metricsAddress' },
  'media-bridge': { grpc: 'grpcAddress', metrics: 'metricsAddress' },
};

/** Ports Prometheus scrapes on each pod (its annotations say where), which no Service exposes. */
export const scrapedPorts: ReadonlySet<string> = new Set(['metrics']);

/** The addresses each service dials, by config field, and whose they are. */
export const dialFields: Record<ServiceName, Record<string, ServiceName>> = {
  gateway: { roomServiceAddress: 'room', presenceServiceAddress: 'presence', urlIssuerAddress: 'url-issuer' },
  room: { urlIssuerAddress: 'url-issuer', presenceServiceAddress: 'presence' },
  presence: { roomServiceAddress: 'room' },
  'url-issuer': { roomServiceAddress: 'room', mediaBridgeAddress: 'media-bridge' },
  // Janus is in its own pod, on loopback: no Service to dial.
  'media-bridge': {},
};

/**
 * How long a service may take to drain after SIGTERM: the gRPC server's 5 s grace
 * (packages/common/src/grpc/server.ts), the gateway's hand-back of its sessions to presence (calls
 * with a 5 s deadline), and 5 s more to close NATS, Postgres and its clients. The e2e test measures
 * the real drain against it (under a second here).
 */
export const drainBudgetSeconds = 15;

/** The port clients of the service reach it on (what readiness must check). */
export const clientPort: Record<ServiceName, string> = { gateway: 'http', room: 'grpc', presence: 'grpc', 'url-issuer': 'grpc', 'media-bridge': 'grpc' };

/** Variables a service reads: its own config.ts's and the common helpers'. */
export function variablesRead(service: ServiceName): Set<string> {
  return new Set(configReads.filter((r) => r.scope === service || r.scope === 'common').map((r) => r.name));
}

/**
 * Variables that hold a secret: those the config.ts files read as one (envSecret, envThirdPartyKey),
 * and DATABASE_URL, which carries the database's password.
 */
export const secretVariables: Set<string> = new Set([
  'DATABASE_URL',
  ...configFiles.flatMap(([, path]) => {
    const source = readFileSync(join(root, path), 'utf8');
    return [...source.matchAll(/\benv(?:Secret|ThirdPartyKey)\(\s*env,\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]);
  }),
]);

/** The gRPC services a service binds (bindService('rtcroom.room.v1.RoomService', ...)), found in its sources. */
export function grpcServicesOf(service: ServiceName): string[] {
  const names: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/bindService\(\s*'([\w.]+)'/g)) names.push(m[1]);
      }
    }
  };
  walk(join(root, 'services', service, 'src'));
  return names;
}

/**
 * The environment with the container's files written under `dir`: each variable whose value is the
 * path of a mounted file points at its copy instead. Nothing else changes, so a path to a file the
 * pod would not have stays as it is, and fails the loader as it would fail the pod.
 */
export function materialize(container: ContainerEnvironment, dir: string): Record<string, string> {
  const copies: Record<string, string> = {};
  for (const [path, content] of Object.entries(container.files)) {
    const copy = join(dir, path);
    mkdirSync(dirname(copy), { recursive: true });
    writeFileSync(copy, content, { mode: 0o600 });
    copies[path] = copy;
  }
  return Object.fromEntries(Object.entries(container.env).map(([k, v]) => [k, copies[v] ?? v]));
}

/** host:port into its parts. */
export function hostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

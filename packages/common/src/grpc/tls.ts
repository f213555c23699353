// gRPC credentials for mutual TLS between rtcroom's services, from certificate files that are read
// again every refresh interval: a certificate replaced on disk is used for new connections without a
// restart (grpc-js's FileWatcherCertificateProvider).
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { GrpcTlsConfig } from '../config';

/** How often the certificate files are read again (rotation without restart). */
export const defaultTlsRefreshMs = 60_000;

type Provider = InstanceType<typeof grpc.experimental.FileWatcherCertificateProvider>;

// One provider per set of files and purpose, shared by every server and client of the process: each
// provider reads its files once per interval whatever the number of channels.
const providers = new Map<string, Provider>();

function provider(files: { caCertificateFile?: string; certificateFile?: string; privateKeyFile?: string }, refreshIntervalMs: number): Provider {
  const key = JSON.stringify([files.caCertificateFile, files.certificateFile, files.privateKeyFile, refreshIntervalMs]);
  let p = providers.get(key);
  if (!p) {
    p = new grpc.experimental.FileWatcherCertificateProvider({ ...files, refreshIntervalMs });
    providers.set(key, p);
  }
  return p;
}

function providersOf(tls: GrpcTlsConfig): { ca: Provider; identity: Provider | null } {
  const every = tls.refreshIntervalMs ?? defaultTlsRefreshMs;
  return {
    ca: provider({ caCertificateFile: tls.caFile }, every),
    identity: tls.certFile && tls.keyFile ? provider({ certificateFile: tls.certFile, privateKeyFile: tls.keyFile }, every) : null,
  };
}

/**
 * A server's credentials: its own certificate, and a request for the client's. A client without a
 * certificate, or with one our CA did not sign, still completes the handshake (rejecting it there would
 * reach the client as UNAVAILABLE); its calls are then answered UNAUTHENTICATED (caller.ts), and
 * health checks still work without one.
 */
export function serverCredentials(tls: GrpcTlsConfig | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const { ca, identity } = providersOf(tls);
  if (!identity) throw new Error('a gRPC server needs a certificate and key (GRPC_TLS_CERT, GRPC_TLS_KEY)');
  // grpc-js declares the first parameter as the CA provider but uses it as the identity provider
  // (server-credentials.js, 1.14): the identity goes first.
  return grpc.experimental.createCertificateProviderServerCredentials(identity, ca, false);
}

export interface ClientChannel {
  credentials: grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
}

/**
 * A client's credentials for `address`: the server must chain to the CA and be named in its
 * certificate; the client presents its own certificate when it has one.
 */
export function clientChannel(tls: GrpcTlsConfig | undefined, address: string): ClientChannel {
  if (!tls) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const { ca, identity } = providersOf(tls);
  const host = address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.slice(0, address.lastIndexOf(':'));
  if (!isIP(host)) return { credentials: grpc.experimental.createCertificateProviderChannelCredentials(ca, identity), options: {} };
  // grpc-js would send the IP address as the TLS server name, which Node warns is not allowed
  // (RFC 6066). Send a name instead and check the certificate against the address itself.
  return {
    credentials: grpc.experimental.createCertificateProviderChannelCredentials(ca, identity, { checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert) }),
    options: { 'grpc.ssl_target_name_override': 'localhost' },
  };
}

/**
 * Resolves once the server's certificate files have been read (grpc-js drops connections until
 * then), rejects when they cannot be read. Call the function it resolves with once the server
 * listens: until then the files stay watched, so the server starts from what was read here.
 */
export function holdServerCertificates(tls: GrpcTlsConfig | undefined, timeoutMs = 10_000): Promise<() => void> {
  if (!tls) return Promise.resolve(() => undefined);
  const { ca, identity } = providersOf(tls);
  const releases: Array<() => void> = [];
  const release = () => releases.splice(0).forEach((r) => r());
  const loaded = (p: Provider, kind: 'ca' | 'identity') =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gRPC TLS files not read within ${timeoutMs} ms`)), timeoutMs);
      const listener = (update: unknown) => {
        clearTimeout(timer);
        if (update) resolve();
        else reject(new Error(`could not read the gRPC TLS ${kind === 'ca' ? 'CA file' : 'certificate or key file'}`));
      };
      if (kind === 'ca') {
        p.addCaCertificateListener(listener);
        releases.push(() => p.removeCaCertificateListener(listener));
      } else {
        p.addIdentityCertificateListener(listener);
        releases.push(() => p.removeIdentityCertificateListener(listener));
      }
    });
  return Promise.all([loaded(ca, 'ca'), identity ? loaded(identity, 'identity') : Promise.resolve()]).then(
    () => release,
    (err) => {
      release();
      throw err;
    },
  );
}

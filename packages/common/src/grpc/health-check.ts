// Asks a gRPC server's grpc.health.v1.Health/Check whether a service is SERVING, without loading the
// health proto (the messages are one string field and one enum).
import * as grpc from '@grpc/grpc-js';
import type { GrpcTlsConfig } from '../config';

export interface HealthAnswer {
  serving: boolean;
  /** Why not, when the call failed. */
  error?: string;
}

// grpc.health.v1.HealthCheckRequest { string service = 1; } and its response { ServingStatus status = 1; }
const encodeRequest = (name: string) => {
  const bytes = Buffer.from(name, 'utf8');
  return bytes.length ? Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]) : Buffer.alloc(0);
};

/**
 * With tls, the server must chain to tls.caFile; its name is not checked, so a probe on 127.0.0.1
 * works with a certificate made for the service's DNS name only.
 */
export function checkHealth(address: string, service = '', tls?: GrpcTlsConfig, timeoutMs = 3000): Promise<HealthAnswer> {
  const credentials = tls
    ? grpc.experimental.createCertificateProviderChannelCredentials(
        new grpc.experimental.FileWatcherCertificateProvider({ caCertificateFile: tls.caFile, refreshIntervalMs: 60_000 }),
        null,
        { checkServerIdentity: () => undefined },
      )
    : grpc.credentials.createInsecure();
  // A name, not the address, as the TLS server name (Node warns about an IP address there).
  const client = new grpc.Client(address, credentials, tls ? { 'grpc.ssl_target_name_override': 'localhost' } : {});
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      () => encodeRequest(service),
      (buf: Buffer) => buf,
      {},
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, res) => {
        client.close();
        const serving = !err && res !== undefined && res.length >= 2 && res[0] === 0x08 && res[1] === 1;
        resolve(serving ? { serving } : { serving, error: err?.message ?? 'not serving' });
      },
    );
  });
}

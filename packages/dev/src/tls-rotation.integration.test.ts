// Certificates are replaced without a restart: a gRPC server reads its certificate files again every
// refresh interval, so a renewed certificate (npm run certs again) is presented, and a new CA added
// to the CA file is trusted, on the next connections. Needs openssl (the certs command's).
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindService, createClient, createLogger, DomainError, GrpcTlsConfig, RunningGrpcServer, startGrpcServer } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { DevCertificates, makeDevCertificates } from './dev-certificates';

const dir = mkdtempSync(join(tmpdir(), 'rtcroom-rotation-'));
let certs: DevCertificates;
let next: DevCertificates;
let server: RunningGrpcServer;
const refreshIntervalMs = 100;

/** An internal-only method, enough to tell a trusted caller from the others. */
const binding = bindService(
  'rtcroom.presence.v1.PresenceService',
  presencev1.PresenceServiceService,
  { listOnline: async () => ({ onlineIdentities: ['ok'] }) } as never,
  'rtcroom.presence',
  { listOnline: ['internal'] } as never,
);

beforeAll(async () => {
  certs = makeDevCertificates({ outDir: join(dir, 'current') });
  next = makeDevCertificates({ outDir: join(dir, 'next') });
  const tls: GrpcTlsConfig = { caFile: certs.caFile, ...certs.files.presence, refreshIntervalMs };
  server = await startGrpcServer('127.0.0.1:0', [binding], createLogger({ service: 'rotation-test' }, 'silent'), { tls, insecure: false });
});
afterAll(async () => {
  await server?.stop(500);
  rmSync(dir, { recursive: true, force: true });
});

/** A call on a new connection, as `cert` of `from`: its answer or its refusal reason. */
async function callAs(from: DevCertificates): Promise<string> {
  const client = createClient(presencev1.PresenceServiceService, server.address, 2000, { mux: false, tls: { caFile: certs.caFile, ...from.files.internal } });
  try {
    return (await client.listOnline({ identities: [] })).onlineIdentities[0]!;
  } catch (err) {
    return err instanceof DomainError ? err.reason : String(err);
  } finally {
    client.close();
  }
}

/** The serial number of the certificate the server presents to a new connection. */
function servedSerial(): Promise<string> {
  const [host, port] = server.address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), ca: readFileSync(certs.caFile), servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/** Reads until it gives `want` (a read that fails, e.g. while files are being replaced, counts as not yet). */
async function eventually<T>(read: () => Promise<T>, want: T, timeoutMs = 10_000): Promise<T | string> {
  const deadline = Date.now() + timeoutMs;
  const attempt = () => read().catch((err: Error) => `failed: ${err.message}`);
  let last = await attempt();
  while (last !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, refreshIntervalMs));
    last = await attempt();
  }
  return last;
}

const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;

it('presents a renewed certificate without a restart', async () => {
  expect(await servedSerial()).toBe(serialOf(certs.files.presence.certFile));
  makeDevCertificates({ outDir: certs.dir }); // the same CA, new certificates, as a second `npm run certs`
  const renewed = serialOf(certs.files.presence.certFile);
  expect(await eventually(servedSerial, renewed)).toBe(renewed);
  expect(await callAs(certs)).toBe('ok');
});

it('trusts clients of a new CA once the CA file lists it, without a restart', async () => {
  expect(await callAs(next)).toBe('UNAUTHENTICATED');
  // Moving to a new CA: first trust both, then hand out the new certificates.
  writeFileSync(certs.caFile, readFileSync(certs.caFile, 'utf8') + readFileSync(next.caFile, 'utf8'));
  expect(await eventually(() => callAs(next), 'ok')).toBe('ok');
  expect(await callAs(certs)).toBe('ok');
});

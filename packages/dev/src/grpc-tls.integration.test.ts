// gRPC over mutual TLS between two processes' worth of clients and servers: a handler learns who
// called it (callerOf), for unary calls and calls on a mux stream alike, from the client certificate
// (`any`, trusted and unverified, without TLS); and a client talks only to a server whose certificate
// names the address it dialled. Needs openssl.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindService, CallContext, callerOf, createClient, createLogger, DomainError, GrpcSecurity, GrpcTlsConfig, RunningGrpcServer, startGrpcServer } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { DevCertificates, makeDevCertificates } from './dev-certificates';

const dir = mkdtempSync(join(tmpdir(), 'rtcroom-caller-'));
let certs: DevCertificates;
const servers: RunningGrpcServer[] = [];

/** Answers with what callerOf says about the call. */
const binding = bindService(
  'rtcroom.presence.v1.PresenceService',
  presencev1.PresenceServiceService,
  {
    listOnline: async (_req: unknown, call: CallContext) => {
      const caller = callerOf(call);
      return { onlineIdentities: [caller.role, caller.name ?? '-', String(caller.verified)] };
    },
  } as never,
  'rtcroom.presence',
  { listOnline: ['internal', 'gateway'] } as never,
);

async function serve(security: GrpcSecurity): Promise<string> {
  const server = await startGrpcServer('127.0.0.1:0', [binding], createLogger({ service: 'caller-test' }, 'silent'), security);
  servers.push(server);
  return server.address;
}

async function whoAmI(address: string, mux: boolean, tls?: GrpcTlsConfig): Promise<string[]> {
  const client = createClient(presencev1.PresenceServiceService, address, 2000, { mux, tls });
  try {
    return (await client.listOnline({ identities: [] })).onlineIdentities;
  } finally {
    client.close();
  }
}

beforeAll(() => {
  certs = makeDevCertificates({ outDir: dir, clients: ['internal-billing'] });
});
afterAll(async () => {
  for (const s of servers) await s.stop(500);
  rmSync(dir, { recursive: true, force: true });
});

it.each([true, false])('names the caller from its certificate (mux %s)', async (mux) => {
  const address = await serve({ tls: { caFile: certs.caFile, ...certs.files.room }, insecure: false });
  expect(await whoAmI(address, mux, { caFile: certs.caFile, ...certs.files['internal-billing'] })).toEqual(['internal', 'internal-billing', 'true']);
  expect(await whoAmI(address, mux, { caFile: certs.caFile, ...certs.files.gateway })).toEqual(['gateway', 'gateway', 'true']);
});

it.each([true, false])('trusts every caller, unverified, without TLS (mux %s)', async (mux) => {
  const address = await serve({ insecure: false });
  expect(await whoAmI(address, mux)).toEqual(['any', '-', 'false']);
});

it('refuses a server whose certificate does not name the address dialled', async () => {
  // The certificates name 127.0.0.1 and localhost, not 127.0.0.2 (also this machine's loopback).
  const server = await startGrpcServer('127.0.0.2:0', [binding], createLogger({ service: 'caller-test' }, 'silent'), { tls: { caFile: certs.caFile, ...certs.files.room }, insecure: false });
  servers.push(server);
  const reason = await whoAmI(server.address, false, { caFile: certs.caFile, ...certs.files.gateway }).catch((err: DomainError) => err.reason);
  expect(reason).toBe('UNAVAILABLE');
  const byName = await serve({ tls: { caFile: certs.caFile, ...certs.files.room }, insecure: false });
  expect(await whoAmI(`localhost:${byName.split(':')[1]}`, false, { caFile: certs.caFile, ...certs.files.gateway })).toEqual(['gateway', 'gateway', 'true']);
});

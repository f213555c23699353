// A handler learns who called it (callerOf), for unary calls and for calls on a mux stream alike:
// from the client certificate with TLS, `any` (trusted, unverified) without. Needs openssl.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindService, callerOf, createClient, createLogger, GrpcSecurity, GrpcTlsConfig, RunningGrpcServer, startGrpcServer } from '@rtcroom/common';
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
    listOnline: async (_req: unknown, call: object) => {
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

// Server reflection is served from a port's start but loaded on its first call (reflection.ts): the
// library and the descriptors it parses cost each service about 9 MB otherwise. A server in a process
// of its own (jest's module registry is not Node's) says whether @grpc/reflection is loaded; a raw
// ServerReflectionInfo call gets the list of services, and a request that does not decode gets
// INVALID_ARGUMENT. buf curl against the real services: test/e2e/grpc-reflection.e2e.test.ts.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';

const commonDist = join(__dirname, '..', '..', 'dist', 'index.js');
const protoDist = join(__dirname, '..', '..', '..', 'proto', 'dist', 'index.js');

// The child: a presence service on an insecure port; it answers 'loaded?' with whether the reflection
// library is in Node's module cache.
const childScript = `
const { bindService, startGrpcServer, createLogger } = require(${JSON.stringify(commonDist)});
const { presencev1 } = require(${JSON.stringify(protoDist)});
const loaded = () => Object.keys(require.cache).some((k) => k.includes('@grpc/reflection'));
(async () => {
  const binding = bindService('rtcroom.presence.v1.PresenceService', presencev1.PresenceServiceService,
    { listOnline: async () => ({ onlineIdentities: [] }) }, 'rtcroom.presence', { listOnline: ['room'] });
  const server = await startGrpcServer('127.0.0.1:0', [binding], createLogger({}, 'silent'), { insecure: true });
  process.on('message', (m) => {
    if (m === 'loaded?') process.send({ loaded: loaded() });
    if (m === 'stop') server.stop(100).then(() => process.exit(0));
  });
  process.send({ address: server.address, loaded: loaded() });
})().catch((err) => { console.error(err); process.exit(1); });
`;

const work = mkdtempSync(join(tmpdir(), 'rtcroom-reflection-'));
let child: ChildProcess;
let address: string;

function ask(): Promise<{ loaded: boolean }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { loaded: boolean }));
    child.send('loaded?');
  });
}

/** One ServerReflectionInfo exchange with raw bytes: the answer's bytes, or the call's error. */
function reflect(service: string, request: Buffer): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest<Buffer, Buffer>(
    `/${service}/ServerReflectionInfo`,
    (b) => b,
    (b) => b,
  );
  return new Promise<Buffer>((resolve, reject) => {
    call.on('data', (answer: Buffer) => {
      resolve(answer);
      call.end();
    });
    call.on('error', reject);
    call.write(request);
  }).finally(() => client.close());
}

beforeAll(async () => {
  const script = join(work, 'server.js');
  writeFileSync(script, childScript);
  child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const hello = await new Promise<{ address: string; loaded: boolean }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { address: string; loaded: boolean }));
    child.once('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  address = hello.address;
  expect(hello.loaded).toBe(false);
}, 30_000);

afterAll(async () => {
  if (child?.connected) {
    const exited = new Promise((r) => child.once('exit', r));
    child.send('stop');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

it('is not loaded until a call comes, then lists what the port serves (v1 and v1alpha)', async () => {
  expect((await ask()).loaded).toBe(false);
  // ServerReflectionRequest { list_services = 7: "" }
  const listServices = Buffer.from([0x3a, 0x00]);
  for (const service of ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection']) {
    const answer = (await reflect(service, listServices)).toString('latin1');
    expect(answer).toContain('rtcroom.presence.v1.PresenceService');
    expect(answer).toContain('rtcroom.mux.v1.MuxService');
    expect(answer).toContain('grpc.health.v1.Health');
  }
  expect((await ask()).loaded).toBe(true);
});

it('answers a request that does not decode with INVALID_ARGUMENT', async () => {
  await expect(reflect('grpc.reflection.v1.ServerReflection', Buffer.from([0xff, 0xff, 0xff]))).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
  });
});
